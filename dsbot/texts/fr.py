"""Textes affichés dans Slack, en français (la langue par défaut)."""

TEXTS: dict[str, str] = {
    # --- états des dossiers ---
    "state.en_construction": "En construction",
    "state.en_instruction": "En instruction",
    "state.accepte": "Accepté",
    "state.refuse": "Refusé",
    "state.sans_suite": "Classé sans suite",
    # --- fiche dossier (dsbot/slack/blocks/card.py) ---
    # Les valeurs des champs sont du mrkdwn ; les données y arrivent déjà échappées.
    "card.header": "Dossier n° {number} · {demarche}",
    "card.fallback": "Dossier n° {number} ({state}) · {demarche}",
    "card.field.state": "État",
    "card.archived": "🗄️ Archivé",
    "card.field.demandeur": "Demandeur",
    "card.demandeur.empty": "Demandeur non renseigné",
    "card.demandeur.raison_sociale_missing": "Raison sociale non renseignée",
    "card.demandeur.siret": "SIRET {siret}",
    "civilite.M": "M.",
    "civilite.Mme": "Mme",
    "card.field.groupe": "Groupe instructeur",
    "card.field.followers": "Suivi par",
    "card.followers.none": "Aucun instructeur ne suit ce dossier",
    "card.field.labels": "Labels",
    "card.field.messages": "Messagerie",
    "card.messages.none": "Aucun message",
    "card.messages.one": "1 message",
    "card.messages.many": "{count} messages",
    "card.date.depot": "Dépôt",
    "card.date.instruction": "Passage en instruction",
    "card.date.traitement": "Décision",
    "card.date.expiration": "Expiration",
    "card.by": "par {who}",
    "card.correction_pending": (
        "✏️ Correction demandée à l’usager ({date}), en attente de sa réponse."
    ),
    "card.deleted_by_usager": "🗑️ Dossier supprimé par l’usager ({date}).",
    "card.deleted_by_admin": "🗑️ Dossier supprimé par l’administration ({date}).",
    "card.motivation": "Motivation",
    "card.motivation.attachment": "📎 Justificatif joint : {filename}",
    "card.last_message": "*Dernier message* · {author} · {date}",
    "card.attachments.one": "📎 1 pièce jointe",
    "card.attachments.many": "📎 {count} pièces jointes",
    # Pourquoi les boutons d’action manquent, et comment y remédier ({groupe} disponible).
    "card.reason.not_linked": (
        "Votre compte Slack n’est lié à aucun instructeur DS : les actions sont masquées. "
        "Tapez `/ds moi` pour le lier automatiquement par votre adresse e-mail, "
        "ou demandez à un administrateur `/ds lier`."
    ),
    "card.reason.not_in_groupe": (
        "Vous n’êtes pas instructeur du groupe « {groupe} » : les actions sont masquées. "
        "Demandez à un administrateur de la démarche de vous y ajouter dans DS."
    ),
    "card.reason.read_only": (
        "Le jeton DS du bot ne permet que la lecture : les actions sont désactivées. "
        "Un administrateur doit configurer un jeton avec droits d’écriture."
    ),
    "card.reason.deleted": "Ce dossier a été supprimé : aucune action n’est possible.",
    "card.reason.unknown": (
        "Vous ne pouvez pas agir sur ce dossier depuis Slack. Tapez `/ds moi` pour vérifier "
        "votre compte, ou demandez à un administrateur."
    ),
    # Boutons : le texte commence par ces mots (INTERFACE.md).
    "button.passer_en_instruction": "Passer en instruction",
    "button.accepter": "Accepter",
    "button.refuser": "Refuser",
    "button.classer_sans_suite": "Classer sans suite",
    "button.repasser_en_instruction": "Repasser en instruction",
    "button.repondre": "Répondre",
    "button.archiver": "Archiver",
    "button.voir_dans_ds": "Voir dans DS",
    "button.partager": "Partager dans le canal",
    "confirm.yes": "Confirmer",
    "confirm.no": "Annuler",
    "confirm.passer_en_instruction.title": "Passer en instruction ?",
    "confirm.passer_en_instruction.text": (
        "Le dossier n° {number} passera en instruction : l’usager ne pourra plus le modifier."
    ),
    "confirm.repasser_en_instruction.title": "Repasser en instruction ?",
    "confirm.repasser_en_instruction.text": (
        "La décision sur le dossier n° {number} sera annulée et le dossier rouvert à l’instruction."
    ),
    "confirm.archiver.title": "Archiver le dossier ?",
    "confirm.archiver.text": "Le dossier n° {number} sera archivé dans DS.",
    # Après une action depuis Slack ({who} : mention ou adresse, {at} : date).
    "acted.passer_en_instruction": "🔵 Passé en instruction par {who} · {at}",
    "acted.accepter": "✅ Accepté par {who} · {at}",
    "acted.refuser": "❌ Refusé par {who} · {at}",
    "acted.classer_sans_suite": "⚪ Classé sans suite par {who} · {at}",
    "acted.repasser_en_instruction": "🔵 Repassé en instruction par {who} · {at}",
    "acted.repondre": "💬 Réponse envoyée à l’usager par {who} · {at}",
    "acted.archiver": "🗄️ Archivé par {who} · {at}",
    # --- aide de /ds (dsbot/slack/blocks/help.py) ---
    "help.title": "Aide de la commande /ds",
    "help.intro": (
        "Consultez et traitez les dossiers de Démarches simplifiées sans quitter Slack :"
    ),
    "help.unknown": "Commande inconnue : « {command} ». Voici les commandes disponibles.",
    # Syntaxe des arguments : texte brut, échappé par le code.
    "help.args.dossier": "<numéro>",
    "help.args.abonner": "<démarche> [groupe <n>] [etat <état>…]",
    "help.args.desabonner": "<démarche>",
    "help.args.lier": "@utilisateur <email>",
    "help.args.delier": "@utilisateur",
    "help.desc.dossier": "affiche la fiche d’un dossier, avec les actions qui vous sont ouvertes",
    "help.desc.abonner": (
        "abonne ce canal aux nouveaux dossiers et aux changements d’une démarche, "
        "éventuellement d’un seul groupe ou de certains états"
    ),
    "help.desc.desabonner": "retire l’abonnement de ce canal à cette démarche",
    "help.desc.abonnements": "liste les abonnements de ce canal",
    "help.desc.moi": "montre l’instructeur DS lié à votre compte (liaison automatique par e-mail)",
    "help.desc.lier": "lie un utilisateur Slack à l’instructeur DS de cette adresse",
    "help.desc.delier": "retire la liaison d’un utilisateur Slack",
    "help.desc.aide": "affiche cette aide",
    "help.shortcut": "(raccourci : {usage})",
    "help.alias": "(alias : {alias})",
    "help.buttons": (
        "Sur une fiche, les boutons (Passer en instruction, Accepter, Refuser, Classer sans "
        "suite, Répondre…) suivent l’état du dossier et votre groupe instructeur."
    ),
    "help.admin_legend": "🔒 : réservé aux administrateurs du bot.",
    "help.admin_you": "🔒 : réservé aux administrateurs du bot (vous en faites partie).",
    # --- notifications dans les fils (dsbot/slack/blocks/events.py) ---
    # {number} peut être un lien, {when} vaut « · <date> » ou rien, {by} vaut « par … » ou rien.
    "event.by": " par {who}",
    "event.depose": "Nouveau dossier n° {number} déposé{when}",
    "event.state.en_construction": "Dossier n° {number} repassé en construction{by}{when}",
    "event.state.en_instruction": "Dossier n° {number} passé en instruction{by}{when}",
    "event.state.accepte": "Dossier n° {number} accepté{by}{when}",
    "event.state.refuse": "Dossier n° {number} refusé{by}{when}",
    "event.state.sans_suite": "Dossier n° {number} classé sans suite{by}{when}",
    "event.message": "Nouveau message de {author} sur le dossier n° {number}{when}",
    "event.avis": "Nouvel avis rendu sur le dossier n° {number}{by}{when}",
    "event.correction": "Correction demandée à l’usager sur le dossier n° {number}{by}{when}",
    "event.champs": "Dossier n° {number} modifié par l’usager{when}",
    "event.trash": "Dossier n° {number} placé dans la corbeille{when}",
    "event.deleted": "Dossier n° {number} supprimé définitivement{when}",
    "event.restored": "Dossier n° {number} restauré{when}",
    "event.reason": "({reason})",
    "deletion_reason.expired": "dossier expiré",
    "deletion_reason.instructeur_request": "à la demande d’un instructeur",
    "deletion_reason.manager_request": "à la demande d’un administrateur",
    "deletion_reason.procedure_removed": "démarche supprimée",
    "deletion_reason.user_expired": "compte usager expiré",
    "deletion_reason.user_removed": "compte usager supprimé",
    "deletion_reason.user_request": "à la demande de l’usager",
    "burst.title": "{demarche} · dossiers mis à jour : {count}",
    "burst.state_line": "{state} : {count}",
    "burst.numbers": "Dossiers : {numbers}",
    "burst.more": "… et {count} autres",
    # --- app core: /ds command, linking, subscriptions commands, errors ---
    "dossier.loading": "⏳ Recherche du dossier n° {number}…",
    "error.dossier_usage": "Usage : `/ds dossier ‹numéro›`, par exemple `/ds dossier 1234`.",
    "error.dossier_number": "« {value} » n’est pas un numéro de dossier. Usage : `/ds dossier 1234`.",
    "error.unsubscribe_usage": "Usage : `/ds desabonner ‹numéro de démarche›`.",
    "error.link_usage": "Usage : `/ds lier @personne prenom.nom@administration.gouv.fr`.",
    "error.link_user": "« {value} » n’est pas une mention Slack. Usage : `/ds lier @personne ‹e-mail›`.",
    "error.link_email": "« {value} » n’est pas une adresse e-mail valide.",
    "error.unlink_usage": "Usage : `/ds delier @personne`.",
    "error.subscribe_usage": "Usage : `/ds abonner ‹démarche› [groupe ‹n›] [etat ‹état›…] [depuis AAAA-MM-JJ]`.",
    "error.subscribe_groupe": "« {value} » n’est pas un numéro de groupe instructeur.",
    "error.subscribe_state": "« {value} » n’est pas un état. États possibles : en_construction, en_instruction, accepte, refuse, sans_suite.",
    "error.subscribe_since": "« {value} » n’est pas une date. Format attendu : AAAA-MM-JJ.",
    "error.dossier_not_found": "Le dossier n° {number} est introuvable dans DS. Vérifiez le numéro.",
    "error.dossier_hidden": "Le dossier n° {number} existe peut-être, mais le jeton DS de dsbot n’y a pas accès. Demandez à un administrateur d’ajouter sa démarche au jeton.",
    "error.ds_token_expired": "Le jeton d’API DS de dsbot a expiré. Un administrateur doit en créer un nouveau (DS_API_TOKEN).",
    "error.ds_token_invalid": "Le jeton d’API DS de dsbot est refusé par DS. Un administrateur doit vérifier DS_API_TOKEN (`dsbot check`).",
    "error.ds_forbidden_network": "DS refuse les appels venant de l’adresse IP de dsbot. Un administrateur doit autoriser ce réseau sur le jeton DS.",
    "error.ds_read_only": "Le jeton DS de dsbot est en lecture seule : aucune action n’est possible. Un administrateur doit créer un jeton en lecture et écriture.",
    "error.ds_rate_limited": "DS reçoit trop de requêtes en ce moment. Réessayez dans une minute.",
    "error.ds_unavailable": "DS ne répond pas en ce moment. Rien n’a été modifié ; réessayez dans quelques minutes.",
    "error.file_too_large": "Fichier trop volumineux : {limit_mb} Mo au maximum.",
    "error.ds_says": "DS a refusé : {message}",
    "error.unexpected": "Une erreur inattendue est survenue. Rien n’a été modifié ; l’équipe technique peut consulter les journaux de dsbot.",
    "error.admin_only": "Cette commande est réservée aux administrateurs de dsbot.",
    "error.slack": "Slack a refusé l’opération ({error}).",
    "link.reason_bot": "Les robots ne peuvent pas être liés à un instructeur.",
    "link.reason_no_email": "Votre profil Slack n’a pas d’adresse e-mail visible par dsbot. Demandez à un administrateur : `/ds lier @vous ‹e-mail DS›`.",
    "link.reason_unconfirmed": "Votre adresse e-mail Slack n’est pas vérifiée. Vérifiez-la dans Slack ou demandez à un administrateur : `/ds lier`.",
    "link.reason_no_match": "Votre adresse e-mail Slack ne correspond à aucun instructeur DS connu. Demandez à un administrateur : `/ds lier @vous ‹e-mail DS›`.",
    "link.reason_ambiguous": "Votre adresse e-mail correspond à plusieurs instructeurs DS. Demandez à un administrateur : `/ds lier`.",
    "link.reason_unlinked": "Un administrateur a retiré votre lien avec DS. Demandez-lui `/ds lier` si c’est une erreur.",
    "access.reason_not_in_groupe": "Vous n’êtes pas instructeur du groupe de ce dossier : vous pouvez le consulter, pas agir.",
    "link.whoami_none": "Vous n’êtes lié à aucun instructeur DS. {reason}",
    "link.whoami": "Vous agissez dans DS en tant que *{email}* (instructeur `{instructeur_id}`, lien {method}).",
    "link.method_auto": "automatique par e-mail",
    "link.method_admin": "défini par un administrateur",
    "link.not_instructeur": "{email} n’est instructeur d’aucune démarche connue de dsbot. Rien n’a été modifié.",
    "link.linked": "{user} agit désormais dans DS en tant que {email}.",
    "link.unlinked": "{user} n’est plus lié à DS.",
    "link.unlinked_none": "{user} n’était lié à aucun instructeur ; le lien automatique est désormais bloqué.",
    "subscriptions.soon": "Les abonnements de canal arrivent bientôt.",
    "subscriptions.none": "Ce canal n’est abonné à aucune démarche. Un administrateur peut taper `/ds abonner ‹démarche›`.",
    "subscriptions.header": "*Abonnements de ce canal :*",
    "subscriptions.all_states": "tous les états",
    "subscriptions.groupe": " (groupe {groupe})",
    "subscriptions.paused": " — ⏸️ en pause : {reason}",
    "subscriptions.line": "• Démarche {demarche}{groupe} : {states}, par {creator}{paused}",
    "subscriptions.removed": "Ce canal n’est plus abonné à la démarche {demarche}.",
    "subscriptions.not_found": "Ce canal n’était pas abonné à la démarche {demarche}.",
    "subscriptions.not_in_channel": "dsbot ne peut pas écrire dans ce canal ({error}). Invitez-le d’abord : `/invite @DS Instruction`.",
    "subscriptions.archived": "Ce canal est archivé : impossible de s’y abonner.",
    "subscriptions.created": "Ce canal suit désormais la démarche {demarche}, à partir de maintenant.\n{line}",
    "subscriptions.merged": "Abonnement à la démarche {demarche} mis à jour (filtres fusionnés).\n{line}",
    "card.shared_by": "Partagé par {user}",
    "card.share_not_in_channel": "dsbot ne peut pas publier dans ce canal ({error}). Invitez-le : `/invite @DS Instruction`.",
    # --- notifications des canaux (dsbot/slack/sender.py, dsbot/services/poller.py) ---
    "notify.card_gone": "🗑️ Le dossier n° {number} n’est plus visible dans DS (supprimé, ou hors de portée du jeton).",
    "notify.usager": "l’usager",
    "notify.demarche": "Démarche {number}",
    "notify.paused": "⏸️ Les notifications de {channel} (démarche {demarches}) sont suspendues : Slack refuse d’y publier (`{error}`). Réglez le problème (réinvitez le bot, désarchivez le canal…) puis relancez `/ds abonner <démarche>` dans ce canal.",
    "notify.ops.ds_down": "⚠️ DS ne répond plus correctement depuis {count} cycles de notification ({error}). Rien n’est perdu : les notifications reprendront là où elles se sont arrêtées.",
    "notify.ops.ds_recovered": "✅ DS répond de nouveau : les notifications reprennent.",
    "notify.ops.ds_token_expired": "🔑 Le jeton de l’API DS a expiré : les notifications sont arrêtées. Créez un nouveau jeton dans DS (Mon profil › Jetons d’API) et mettez à jour DS_API_TOKEN.",
    "notify.ops.ds_not_authenticated": "🔑 DS refuse le jeton de l’API (inconnu ou révoqué) : les notifications sont arrêtées. Vérifiez DS_API_TOKEN.",
    "notify.ops.ds_forbidden_network": "🌐 DS refuse les appels venant de l’adresse IP du bot : ajoutez-la aux réseaux autorisés du jeton (Mon profil › Jetons d’API). DS dit : {error}",
}
