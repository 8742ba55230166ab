"""Texts shown in Slack, in English (same keys as fr.py)."""

TEXTS: dict[str, str] = {
    # --- dossier states ---
    "state.en_construction": "Being filled in",
    "state.en_instruction": "Under review",
    "state.accepte": "Accepted",
    "state.refuse": "Refused",
    "state.sans_suite": "Closed without action",
    # --- dossier card (dsbot/slack/blocks/card.py) ---
    "card.header": "Dossier #{number} · {demarche}",
    "card.fallback": "Dossier #{number} ({state}) · {demarche}",
    "card.field.state": "State",
    "card.archived": "🗄️ Archived",
    "card.field.demandeur": "Applicant",
    "card.demandeur.empty": "Applicant not provided",
    "card.demandeur.raison_sociale_missing": "Company name not provided",
    "card.demandeur.siret": "SIRET {siret}",
    "civilite.M": "Mr",
    "civilite.Mme": "Ms",
    "card.field.groupe": "Instructeur group",
    "card.field.followers": "Followed by",
    "card.followers.none": "No instructeur follows this dossier",
    "card.field.labels": "Labels",
    "card.field.messages": "Messages",
    "card.messages.none": "No messages",
    "card.messages.one": "1 message",
    "card.messages.many": "{count} messages",
    "card.date.depot": "Submitted",
    "card.date.instruction": "Review started",
    "card.date.traitement": "Decision",
    "card.date.expiration": "Expires",
    "card.by": "by {who}",
    "card.correction_pending": (
        "✏️ Correction requested from the applicant ({date}), awaiting reply."
    ),
    "card.deleted_by_usager": "🗑️ Dossier deleted by the applicant ({date}).",
    "card.deleted_by_admin": "🗑️ Dossier deleted by the administration ({date}).",
    "card.motivation": "Reason",
    "card.motivation.attachment": "📎 Attached document: {filename}",
    "card.last_message": "*Last message* · {author} · {date}",
    "card.attachments.one": "📎 1 attachment",
    "card.attachments.many": "📎 {count} attachments",
    "card.reason.not_linked": (
        "Your Slack account is not linked to a DS instructeur, so actions are hidden. "
        "Type `/ds moi` to link it automatically by your email address, "
        "or ask an admin for `/ds lier`."
    ),
    "card.reason.not_in_groupe": (
        "You are not an instructeur of the group “{groupe}”, so actions are hidden. "
        "Ask an administrator of the démarche to add you to it in DS."
    ),
    "card.reason.read_only": (
        "The bot’s DS token is read-only, so actions are disabled. "
        "An admin must configure a token with write access."
    ),
    "card.reason.deleted": "This dossier was deleted: no action is possible.",
    "card.reason.unknown": (
        "You cannot act on this dossier from Slack. Type `/ds moi` to check your account, "
        "or ask an admin."
    ),
    # Buttons keep DS's French words first (INTERFACE.md); English follows.
    "button.passer_en_instruction": "Passer en instruction (start review)",
    "button.accepter": "Accepter (accept)",
    "button.refuser": "Refuser (refuse)",
    "button.classer_sans_suite": "Classer sans suite (close)",
    "button.repasser_en_instruction": "Repasser en instruction (reopen)",
    "button.repondre": "Répondre (reply)",
    "button.archiver": "Archiver (archive)",
    "button.voir_dans_ds": "Voir dans DS (open in DS)",
    "button.partager": "Partager dans le canal (share)",
    "confirm.yes": "Confirm",
    "confirm.no": "Cancel",
    "confirm.passer_en_instruction.title": "Start the review?",
    "confirm.passer_en_instruction.text": (
        "Dossier #{number} will move to review: the applicant will no longer be able to edit it."
    ),
    "confirm.repasser_en_instruction.title": "Reopen the review?",
    "confirm.repasser_en_instruction.text": (
        "The decision on dossier #{number} will be cancelled and the dossier reopened for review."
    ),
    "confirm.archiver.title": "Archive the dossier?",
    "confirm.archiver.text": "Dossier #{number} will be archived in DS.",
    "acted.passer_en_instruction": "🔵 Review started by {who} · {at}",
    "acted.accepter": "✅ Accepted by {who} · {at}",
    "acted.refuser": "❌ Refused by {who} · {at}",
    "acted.classer_sans_suite": "⚪ Closed without action by {who} · {at}",
    "acted.repasser_en_instruction": "🔵 Review reopened by {who} · {at}",
    "acted.repondre": "💬 Reply sent to the applicant by {who} · {at}",
    "acted.archiver": "🗄️ Archived by {who} · {at}",
    # --- /ds help (dsbot/slack/blocks/help.py) ---
    "help.title": "Help for the /ds command",
    "help.intro": "Read and process demarches-simplifiees dossiers without leaving Slack:",
    "help.unknown": "Unknown command: “{command}”. Here are the available commands.",
    "help.args.dossier": "<number>",
    "help.args.abonner": "<démarche> [groupe <n>] [etat <state>…]",
    "help.args.desabonner": "<démarche>",
    "help.args.lier": "@user <email>",
    "help.args.delier": "@user",
    "help.desc.dossier": "shows a dossier’s card, with the actions open to you",
    "help.desc.abonner": (
        "subscribes this channel to a démarche’s new and updated dossiers, "
        "optionally for one group or some states only"
    ),
    "help.desc.desabonner": "removes this channel’s subscription to that démarche",
    "help.desc.abonnements": "lists this channel’s subscriptions",
    "help.desc.moi": "shows the DS instructeur linked to your account (automatic email match)",
    "help.desc.lier": "links a Slack user to the DS instructeur with that email",
    "help.desc.delier": "removes a Slack user’s link",
    "help.desc.aide": "shows this help",
    "help.shortcut": "(shortcut: {usage})",
    "help.alias": "(alias: {alias})",
    "help.buttons": (
        "On a card, the buttons (Passer en instruction, Accepter, Refuser, Classer sans suite, "
        "Répondre…) follow the dossier’s state and your instructeur group."
    ),
    "help.admin_legend": "🔒: bot admins only.",
    "help.admin_you": "🔒: bot admins only (you are one).",
    # --- thread notifications (dsbot/slack/blocks/events.py) ---
    "event.by": " by {who}",
    "event.depose": "New dossier #{number} submitted{when}",
    "event.state.en_construction": "Dossier #{number} sent back for editing{by}{when}",
    "event.state.en_instruction": "Dossier #{number} under review{by}{when}",
    "event.state.accepte": "Dossier #{number} accepted{by}{when}",
    "event.state.refuse": "Dossier #{number} refused{by}{when}",
    "event.state.sans_suite": "Dossier #{number} closed without action{by}{when}",
    "event.message": "New message from {author} on dossier #{number}{when}",
    "event.avis": "New expert opinion on dossier #{number}{by}{when}",
    "event.correction": "Correction requested from the applicant on dossier #{number}{by}{when}",
    "event.champs": "Dossier #{number} edited by the applicant{when}",
    "event.trash": "Dossier #{number} moved to the trash{when}",
    "event.deleted": "Dossier #{number} permanently deleted{when}",
    "event.restored": "Dossier #{number} restored{when}",
    "event.reason": "({reason})",
    "deletion_reason.expired": "expired",
    "deletion_reason.instructeur_request": "requested by an instructeur",
    "deletion_reason.manager_request": "requested by an administrator",
    "deletion_reason.procedure_removed": "démarche removed",
    "deletion_reason.user_expired": "applicant account expired",
    "deletion_reason.user_removed": "applicant account removed",
    "deletion_reason.user_request": "requested by the applicant",
    "burst.title": "{demarche} · dossiers updated: {count}",
    "burst.state_line": "{state}: {count}",
    "burst.numbers": "Dossiers: {numbers}",
    "burst.more": "… and {count} more",
}
