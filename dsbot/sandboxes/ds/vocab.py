"""French words the generator draws from: people, places, organisations, texts.

Plain data, no logic. Places carry consistent INSEE, postal, département and région codes.
"""

from __future__ import annotations

PRENOMS_F = (
    "Camille",
    "Léa",
    "Manon",
    "Chloé",
    "Emma",
    "Inès",
    "Sarah",
    "Julie",
    "Claire",
    "Anne",
    "Sophie",
    "Nathalie",
    "Isabelle",
    "Céline",
    "Aurélie",
    "Marion",
    "Hélène",
    "Élodie",
    "Margaux",
    "Pauline",
    "Lucie",
    "Agnès",
    "Françoise",
    "Sylvie",
    "Valérie",
    "Amandine",
)
PRENOMS_M = (
    "Lucas",
    "Hugo",
    "Louis",
    "Thomas",
    "Nicolas",
    "Julien",
    "Antoine",
    "Pierre",
    "Mathieu",
    "François",
    "Olivier",
    "Laurent",
    "Stéphane",
    "Sébastien",
    "Guillaume",
    "Benoît",
    "Yann",
    "Jérôme",
    "Éric",
    "Christophe",
    "Damien",
    "Rémi",
    "Théo",
    "Bastien",
    "Noé",
    "Karim",
)
NOMS = (
    "Martin",
    "Bernard",
    "Dubois",
    "Thomas",
    "Robert",
    "Richard",
    "Petit",
    "Durand",
    "Leroy",
    "Moreau",
    "Simon",
    "Laurent",
    "Lefebvre",
    "Michel",
    "Garcia",
    "David",
    "Bertrand",
    "Roux",
    "Vincent",
    "Fournier",
    "Morel",
    "Girard",
    "André",
    "Lefèvre",
    "Mercier",
    "Dupont",
    "Lambert",
    "Bonnet",
    "François",
    "Martinez",
    "Legrand",
    "Garnier",
    "Faure",
    "Rousseau",
    "Blanc",
    "Guérin",
    "Muller",
    "Henry",
    "Roussel",
    "Nicolas",
    "Perrin",
    "Morin",
    "Mathieu",
    "Clément",
    "Gauthier",
    "Dumont",
    "Lopez",
    "Fontaine",
    "Chevalier",
    "Robin",
    "Masson",
    "Sanchez",
    "Gérard",
    "Nguyen",
    "Boyer",
    "Denis",
    "Lemaire",
    "Duval",
    "Joly",
    "Gautier",
    "Roger",
    "Roche",
    "Roy",
    "Noël",
    "Meyer",
    "Lucas",
    "Meunier",
    "Jean",
    "Perez",
    "Marchand",
    "Le Gall",
    "Caron",
    "Barbier",
    "Brunet",
    "Schmitt",
    "Da Silva",
    "Benoît",
    "Rey",
    "Colin",
)

# (commune, INSEE code, postal code, département code, département, région code, région)
Commune = tuple[str, str, str, str, str, str, str]
COMMUNES: tuple[Commune, ...] = (
    ("Bordeaux", "33063", "33000", "33", "Gironde", "75", "Nouvelle-Aquitaine"),
    ("Mérignac", "33281", "33700", "33", "Gironde", "75", "Nouvelle-Aquitaine"),
    ("Libourne", "33243", "33500", "33", "Gironde", "75", "Nouvelle-Aquitaine"),
    ("Périgueux", "24322", "24000", "24", "Dordogne", "75", "Nouvelle-Aquitaine"),
    ("Bergerac", "24037", "24100", "24", "Dordogne", "75", "Nouvelle-Aquitaine"),
    ("Mont-de-Marsan", "40192", "40000", "40", "Landes", "75", "Nouvelle-Aquitaine"),
    ("Dax", "40088", "40100", "40", "Landes", "75", "Nouvelle-Aquitaine"),
    ("Agen", "47001", "47000", "47", "Lot-et-Garonne", "75", "Nouvelle-Aquitaine"),
    ("Pau", "64445", "64000", "64", "Pyrénées-Atlantiques", "75", "Nouvelle-Aquitaine"),
    ("Bayonne", "64102", "64100", "64", "Pyrénées-Atlantiques", "75", "Nouvelle-Aquitaine"),
    ("Lyon", "69123", "69003", "69", "Rhône", "84", "Auvergne-Rhône-Alpes"),
    ("Grenoble", "38185", "38000", "38", "Isère", "84", "Auvergne-Rhône-Alpes"),
    ("Clermont-Ferrand", "63113", "63000", "63", "Puy-de-Dôme", "84", "Auvergne-Rhône-Alpes"),
    ("Lille", "59350", "59000", "59", "Nord", "32", "Hauts-de-France"),
    ("Amiens", "80021", "80000", "80", "Somme", "32", "Hauts-de-France"),
    ("Nantes", "44109", "44000", "44", "Loire-Atlantique", "52", "Pays de la Loire"),
    ("Angers", "49007", "49000", "49", "Maine-et-Loire", "52", "Pays de la Loire"),
    ("Rennes", "35238", "35000", "35", "Ille-et-Vilaine", "53", "Bretagne"),
    ("Quimper", "29232", "29000", "29", "Finistère", "53", "Bretagne"),
    ("Toulouse", "31555", "31000", "31", "Haute-Garonne", "76", "Occitanie"),
    ("Montpellier", "34172", "34000", "34", "Hérault", "76", "Occitanie"),
    ("Marseille", "13055", "13001", "13", "Bouches-du-Rhône", "93", "Provence-Alpes-Côte d’Azur"),
    ("Nice", "06088", "06000", "06", "Alpes-Maritimes", "93", "Provence-Alpes-Côte d’Azur"),
    ("Strasbourg", "67482", "67000", "67", "Bas-Rhin", "44", "Grand Est"),
    ("Metz", "57463", "57000", "57", "Moselle", "44", "Grand Est"),
    ("Dijon", "21231", "21000", "21", "Côte-d’Or", "27", "Bourgogne-Franche-Comté"),
    ("Tours", "37261", "37000", "37", "Indre-et-Loire", "24", "Centre-Val de Loire"),
    ("Rouen", "76540", "76000", "76", "Seine-Maritime", "28", "Normandie"),
    ("Caen", "14118", "14000", "14", "Calvados", "28", "Normandie"),
    ("Montreuil", "93048", "93100", "93", "Seine-Saint-Denis", "11", "Île-de-France"),
    ("Versailles", "78646", "78000", "78", "Yvelines", "11", "Île-de-France"),
    ("Paris", "75056", "75011", "75", "Paris", "11", "Île-de-France"),
)

EPCIS = (
    ("243300316", "Bordeaux Métropole"),
    ("200054781", "Métropole du Grand Paris"),
    ("200046977", "Métropole de Lyon"),
    ("244400404", "Nantes Métropole"),
    ("243100518", "Toulouse Métropole"),
    ("246400337", "Communauté d’agglomération Pau Béarn Pyrénées"),
)

VOIES = (
    "rue de la République",
    "avenue Jean Jaurès",
    "rue Victor Hugo",
    "place de la Mairie",
    "boulevard Gambetta",
    "rue des Écoles",
    "chemin des Vignes",
    "allée des Tilleuls",
    "rue du Général de Gaulle",
    "avenue de la Gare",
    "rue Pasteur",
    "impasse des Lilas",
    "quai des Chartrons",
    "cours de l’Intendance",
    "route de Toulouse",
    "rue Sainte-Catherine",
)

PAYS = (
    ("FR", "France"),
    ("BE", "Belgique"),
    ("CH", "Suisse"),
    ("DE", "Allemagne"),
    ("ES", "Espagne"),
    ("IT", "Italie"),
    ("PT", "Portugal"),
    ("MA", "Maroc"),
    ("SN", "Sénégal"),
)

REGIONS = tuple(sorted({(c[5], c[6]) for c in COMMUNES}))
DEPARTEMENTS = tuple(sorted({(c[3], c[4]) for c in COMMUNES}))

# (legal form, code INSEE of the form)
FORMES_JURIDIQUES = (
    ("SAS, société par actions simplifiée", "5710"),
    ("SARL, société à responsabilité limitée", "5499"),
    ("SA à conseil d’administration", "5599"),
    ("Association déclarée", "9220"),
    ("Entrepreneur individuel", "1000"),
    ("Société coopérative de production (SCOP)", "5458"),
    ("Commune et commune nouvelle", "7210"),
)
NAFS = (
    ("62.01Z", "Programmation informatique"),
    ("43.21A", "Travaux d’installation électrique dans tous locaux"),
    ("56.10A", "Restauration traditionnelle"),
    ("01.21Z", "Culture de la vigne"),
    ("94.99Z", "Autres organisations fonctionnant par adhésion volontaire"),
    ("85.59A", "Formation continue d’adultes"),
    ("41.20A", "Construction de maisons individuelles"),
    ("71.12B", "Ingénierie, études techniques"),
    ("88.99B", "Action sociale sans hébergement n.c.a."),
    ("93.12Z", "Activités de clubs de sports"),
)
RAISON_PREFIXES = (
    "Atelier",
    "Les Jardins",
    "Coopérative",
    "Menuiserie",
    "Boulangerie",
    "Cabinet",
    "Domaine",
    "Transports",
    "Bureau d’études",
    "Maison",
    "Ferme",
    "Compagnie",
    "Studio",
)
RAISON_SUFFIXES = (
    "du Lac",
    "des Graves",
    "Saint-Michel",
    "de l’Estuaire",
    "des Landes",
    "du Périgord",
    "Garonne",
    "Océane",
    "du Bassin",
    "des Coteaux",
    "Aquitaine",
    "du Médoc",
    "des Remparts",
)
ASSOCIATION_TITRES = (
    "Association sportive {ville}",
    "Les Amis du patrimoine de {ville}",
    "Comité des fêtes de {ville}",
    "Solidarité {ville}",
    "Club de lecture de {ville}",
    "Théâtre en herbe de {ville}",
    "Les Restos du quartier de {ville}",
)
ASSOCIATION_OBJETS = (
    "promouvoir la pratique sportive pour tous",
    "préserver et valoriser le patrimoine local",
    "organiser des manifestations culturelles et festives",
    "accompagner les personnes en situation de précarité",
    "favoriser l’accès à la lecture des jeunes publics",
)

# Instructeur mail domains: ministries and préfectures.
GOUV_DOMAINS = (
    "developpement-durable.gouv.fr",
    "interieur.gouv.fr",
    "agriculture.gouv.fr",
    "culture.gouv.fr",
    "education.gouv.fr",
    "finances.gouv.fr",
    "gironde.gouv.fr",
    "dordogne.gouv.fr",
    "landes.gouv.fr",
    "sante.gouv.fr",
)
USAGER_DOMAINS = ("laposte.net", "orange.fr", "free.fr", "gmail.com", "wanadoo.fr", "sfr.fr")

DEMARCHES = (
    {
        "title": "Demande de subvention pour un projet associatif",
        "description": "Cette démarche permet aux associations de solliciter une subvention "
        "de fonctionnement ou d’investissement auprès des services de l’État.",
        "service": "Service départemental à la jeunesse, à l’engagement et aux sports",
        "organisme": "Préfecture de la Gironde",
        "type": "service_deconcentre_de_l_etat",
        "individual": False,
    },
    {
        "title": "Autorisation d’occupation temporaire du domaine public fluvial",
        "description": "Demande d’autorisation pour occuper une partie du domaine public "
        "fluvial (ponton, terrasse, mouillage).",
        "service": "Direction départementale des territoires et de la mer",
        "organisme": "Préfecture de la Gironde",
        "type": "service_deconcentre_de_l_etat",
        "individual": True,
    },
    {
        "title": "Aide à la rénovation énergétique des bâtiments communaux",
        "description": "Dotation de soutien à l’investissement local pour les travaux de "
        "rénovation énergétique des bâtiments publics.",
        "service": "Bureau des finances locales",
        "organisme": "Ministère de l’Intérieur",
        "type": "administration_centrale",
        "individual": False,
    },
    {
        "title": "Déclaration d’une manifestation sportive sur la voie publique",
        "description": "Déclaration préalable des épreuves sportives sans classement organisées "
        "sur la voie publique.",
        "service": "Bureau de la réglementation et des élections",
        "organisme": "Préfecture des Landes",
        "type": "service_deconcentre_de_l_etat",
        "individual": True,
    },
)

GROUPES = (
    ("Gironde (33)", "gironde.gouv.fr"),
    ("Dordogne (24)", "dordogne.gouv.fr"),
    ("Landes (40)", "landes.gouv.fr"),
    ("Lot-et-Garonne (47)", "developpement-durable.gouv.fr"),
)

LABELS = (
    ("À relancer", "yellow_tournesol"),
    ("Urgent", "pink_macaron"),
    ("Pièce manquante", "brown_cafe_creme"),
    ("Dossier complexe", "purple_glycine"),
    ("Validé en commission", "green_emeraude"),
)

PROJETS = (
    "Rénovation de la salle polyvalente",
    "Création d’un jardin partagé",
    "Organisation du festival d’été",
    "Achat de matériel sportif",
    "Installation d’un ponton de pêche",
    "Mise en accessibilité de la mairie",
    "Atelier numérique pour les seniors",
    "Restauration du lavoir communal",
    "Course cycliste des vendanges",
    "Remplacement de la chaudière de l’école",
    "Accueil de loisirs pendant les vacances",
    "Aménagement d’une piste cyclable",
)
CATEGORIES = ("Culture", "Sport", "Environnement", "Social", "Éducation", "Patrimoine")
THEMATIQUES = (
    "Jeunesse",
    "Handicap",
    "Transition écologique",
    "Numérique",
    "Ruralité",
    "Égalité femmes-hommes",
)
SECTEURS = {
    "Agriculture": ("Viticulture", "Maraîchage", "Élevage"),
    "Industrie": ("Agroalimentaire", "Bois", "Aéronautique"),
    "Services": ("Tourisme", "Restauration", "Conseil"),
}
POSTES_DEPENSE = (
    "Matériel",
    "Prestations extérieures",
    "Frais de personnel",
    "Location de salle",
    "Communication",
    "Déplacements",
    "Travaux",
)

MESSAGES_USAGER = (
    "Bonjour, je vous transmets le devis actualisé comme convenu. Cordialement.",
    "Bonjour, pourriez-vous me dire où en est l’instruction de mon dossier ? Merci d’avance.",
    "Veuillez trouver ci-joint l’attestation d’assurance demandée.",
    "Bonjour, suite à notre échange téléphonique, je complète mon dossier.",
    "Je vous informe que la date de début du projet est repoussée d’un mois.",
    "Merci pour votre retour rapide, je reste à votre disposition.",
)
MESSAGES_INSTRUCTEUR = (
    "Bonjour, votre dossier est incomplet : merci de joindre le relevé d’identité bancaire.",
    "Bonjour, nous accusons réception de votre dossier, qui sera examiné prochainement.",
    "Pouvez-vous préciser le nombre de bénéficiaires attendus ?",
    "Votre dossier sera présenté lors de la prochaine commission.",
    "Merci de transmettre le budget prévisionnel signé par le président de l’association.",
)
AVIS_QUESTIONS = (
    "Pouvez-vous donner votre avis sur la faisabilité technique du projet ?",
    "Le projet est-il compatible avec le plan local d’urbanisme ?",
    "Merci de vérifier la conformité du budget prévisionnel.",
)
AVIS_REPONSES = (
    "Avis favorable, le projet est bien dimensionné.",
    "Avis réservé : le calendrier me paraît ambitieux.",
    "Avis favorable sous réserve de l’accord du propriétaire du terrain.",
)
MOTIVATIONS = {
    "accepte": (
        "Votre demande répond aux critères d’éligibilité du dispositif.",
        "Avis favorable de la commission du {date}.",
        "Dossier complet et conforme.",
    ),
    "refuse": (
        "Le projet ne relève pas du champ du dispositif.",
        "Les crédits disponibles pour cette année sont épuisés.",
        "Le dossier ne respecte pas les conditions d’éligibilité.",
    ),
    "sans_suite": (
        "Le demandeur a renoncé à son projet.",
        "Absence de réponse du demandeur aux demandes de pièces complémentaires.",
        "Doublon d’un dossier déjà déposé.",
    ),
}
PJ_NAMES = (
    ("devis.pdf", "application/pdf"),
    (
        "budget_previsionnel.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    ("statuts_association.pdf", "application/pdf"),
    ("plan_de_situation.png", "image/png"),
    ("rib.pdf", "application/pdf"),
    ("photo_site.jpg", "image/jpeg"),
    ("attestation_assurance.pdf", "application/pdf"),
)
