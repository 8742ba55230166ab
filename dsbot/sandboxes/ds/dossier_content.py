"""The heavy part of a dossier, derived on demand from (seed, number, core row).

A dossier's champs, annotations, demandeur, messages, avis, traitements, labels and followers
are computed here the first time someone reads them, always the same for the same seed. The
store saves them (`details`) the first time something changes them, and from then on the saved
copy is the truth.

The values are GraphQL-shaped dicts (`__typename` on abstract types); timestamps are integer
microseconds, which the ISO8601DateTime scalar serialises.
"""

from __future__ import annotations

import base64
import hashlib
import html
import random
import zlib
from collections.abc import Callable
from typing import Any

from dsbot.sandboxes.ds import vocab
from dsbot.sandboxes.ds.clock import PARIS, US, iso_date, to_datetime
from dsbot.sandboxes.ds.generator import (
    TERMINE,
    email_for,
    make_siret,
    tva_number,
)
from dsbot.sandboxes.ds.ids import gid

# DS's own notices come from its contact address (docs/ds-api.md, "Messages"). The sandbox's own
# copy of that fact, not the client's: a fake sharing the client's code would hide its bugs.
SYSTEM_EMAIL = "contact@demarche.numerique.gouv.fr"
EXPERT_DOMAINS = ("ademe.fr", "cerema.fr", "ofb.gouv.fr", "bordeaux-metropole.fr")
MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)
ID_STRIDE = 10_000  # message/avis/traitement ids are number * ID_STRIDE + a per-dossier sequence
# DS's notices to the usager, copied into the messagerie from SYSTEM_EMAIL on the deposit and
# on each transition an instructeur makes (MailTemplatePresenterService.create_commentaire_for_
# state: `<p>[subject]</p>` then the mail's body). The default templates' words: subjects from
# config/locales/models/mail/*/fr.yml, bodies from app/views/notification_mailer/
# default_templates/*.html.haml with config/locales/fr.yml l. 1110-1142. `{strong}` is the part
# the template puts in <strong>; `{quote}` the motivation, in a <blockquote>.
NOTICES: dict[str, tuple[str, tuple[str, ...]]] = {
    "en_construction": (
        "Votre dossier n° {n} a bien été déposé ({title})",
        (
            "Votre dossier n° {n} <strong>a bien été déposé</strong>. Si besoin est, vous "
            "pouvez encore y apporter des modifications.",
        ),
    ),
    "en_instruction": (
        "Votre dossier n° {n} va être examiné ({title})",
        (
            "Votre dossier n° {n} a bien été reçu et <strong>pris en charge</strong>. Il va "
            "maintenant être examiné par le service.",
        ),
    ),
    "repasse_en_instruction": (
        "Votre dossier n° {n} est en train d’être réexaminé ({title})",
        (
            "Votre dossier n° {n} va être réexaminé, la précédente décision sur ce dossier est "
            "caduque. Vous pouvez retrouver le dossier que vous avez créé pour la démarche "
            "{title} à l’adresse suivante : {link}",
            "Pour obtenir le détail de cette modification de la décision, vous pouvez contacter "
            "le service : {service}.",
        ),
    ),
    "accepte": (
        "Votre dossier n° {n} a été accepté ({title})",
        (
            "Votre dossier n° {n} <strong>a été accepté le {date}</strong>",
            "À tout moment, vous pouvez consulter votre dossier et les éventuels messages de "
            "l’administration à cette adresse : {link}",
        ),
    ),
    "refuse": (
        "Votre dossier n° {n} a été refusé ({title})",
        (
            "Votre dossier n° {n} <strong>a été refusé le {date}</strong>",
            "Le motif de refus est le suivant :",
            "{quote}",
            "Pour en savoir plus sur le motif du refus, vous pouvez consulter votre dossier et "
            "les éventuels messages de l’administration à cette adresse : {link}",
        ),
    ),
    "sans_suite": (
        "Votre dossier n° {n} a été classé sans suite ({title})",
        (
            "Votre dossier n° {n} <strong>a été classé sans suite le {date}</strong>",
            "Le motif est le suivant :",
            "{quote}",
            "Pour en savoir plus sur les raisons de ce classement sans suite, vous pouvez "
            "consulter votre dossier et les éventuels messages de l’administration à cette "
            "adresse : {link}",
        ),
    ),
}


def notice_body(
    notice: str,
    number: int,
    title: str,
    decided: int,
    *,
    service: str = "",
    motivation: str | None = None,
) -> str:
    """The notice as DS stores it in the messagerie (docs/ds-api.md, "Message bodies")."""
    subject, paragraphs = NOTICES[notice]
    url = DOSSIER_URL.format(n=number)
    values = {
        "n": number,
        "title": html.escape(title),
        "date": french_date(iso_date(decided)),
        "link": f'<a href="{url}" target="_blank" rel="noopener">{url}</a>',
        "service": html.escape(service),
    }
    parts = [f"<p>[{html.escape(subject.format(n=number, title=title))}]</p>", "<p>Bonjour,</p>"]
    for paragraph in paragraphs:
        if paragraph == "{quote}":
            parts.append(f"<blockquote>{html.escape(motivation or '')}</blockquote>")
        else:
            parts.append(f"<p>{paragraph.format(**values)}</p>")
    parts.append(f"<p>Cordialement,<br>\n{html.escape(service)}</p>")
    return "".join(parts)


DOSSIER_URL = "https://demarche.numerique.gouv.fr/dossiers/{n}"


CHAMP_TYPENAMES = {
    "address": "AddressChamp",
    "carte": "CarteChamp",
    "checkbox": "CheckboxChamp",
    "civilite": "CiviliteChamp",
    "communes": "CommuneChamp",
    "date": "DateChamp",
    "datetime": "DatetimeChamp",
    "decimal_number": "DecimalNumberChamp",
    "departements": "DepartementChamp",
    "dossier_link": "DossierLinkChamp",
    "drop_down_list": "DropDownListChamp",
    "engagement_juridique": "EngagementJuridiqueChamp",
    "epci": "EpciChamp",
    "explication": "ExplicationChamp",
    "header_section": "HeaderSectionChamp",
    "integer_number": "IntegerNumberChamp",
    "linked_drop_down_list": "LinkedDropDownListChamp",
    "multiple_drop_down_list": "MultipleDropDownListChamp",
    "pays": "PaysChamp",
    "piece_justificative": "PieceJustificativeChamp",
    "regions": "RegionChamp",
    "repetition": "RepetitionChamp",
    "rna": "RNAChamp",
    "rnf": "RNFChamp",
    "siret": "SiretChamp",
    "titre_identite": "TitreIdentiteChamp",
    "yes_no": "YesNoChamp",
}  # every other type of champ is a TextChamp in the API


# --- files -------------------------------------------------------------------------------


def generated_file_bytes(key: str) -> bytes:
    """The content of a generated file, from its key alone (so any URL can be served)."""
    size = 600 + zlib.crc32(key.encode()) % 12_000
    head = f"%PDF-1.4\n% Document de démonstration du bac à sable dsbot: {key}\n".encode()
    filler = b"Lorem ipsum dolor sit amet, consectetur adipiscing elit.\n"
    return (head + filler * (size // len(filler) + 1))[:size]


def md5_base64(data: bytes) -> str:
    return base64.b64encode(hashlib.md5(data).digest()).decode()


def file_dict(
    key: str, filename: str, content_type: str, created: int, data: bytes | None = None
) -> dict[str, Any]:
    data = generated_file_bytes(key) if data is None else data
    return {
        "__typename": "File",
        "key": key,
        "filename": filename,
        "contentType": content_type,
        "checksum": md5_base64(data),
        "byteSizeBigInt": len(data),
        "byteSize": len(data),
        "createdAt": created,
        "virusScanResult": "safe",
    }


# --- formatting --------------------------------------------------------------------------


def french_date(day_iso: str) -> str:
    year, month, day = (int(x) for x in day_iso.split("-"))
    return f"{day} {MONTHS[month - 1]} {year}"


def _between(rng: random.Random, low: int, high: int) -> int:
    return low if high <= low else rng.randint(low, high)


class _Context:
    """What the champ makers need to know about the dossier being generated."""

    def __init__(
        self, seed: int, row: dict[str, Any], rng: random.Random, place: vocab.Commune
    ) -> None:
        self.seed = seed
        self.row = row
        self.rng = rng
        self.place = place
        self.number = row["number"]
        self.files = 0

    def file_key(self, stem: str) -> str:
        self.files += 1
        return f"g{self.seed}-{self.number}-{self.files}-{stem}"


def _address(rng: random.Random, place: vocab.Commune) -> dict[str, Any]:
    city, insee, postal, dep_code, dep_name, reg_code, reg_name = place
    street_number = str(rng.randint(1, 120))
    street = rng.choice(vocab.VOIES)
    lon = round(-1.5 + rng.random() * 7, 6)
    lat = round(43.3 + rng.random() * 6, 6)
    return {
        "label": f"{street_number} {street} {postal} {city}",
        "type": "housenumber",
        "streetAddress": f"{street_number} {street}",
        "streetNumber": street_number,
        "streetName": street,
        "postalCode": postal,
        "cityName": city,
        "cityCode": insee,
        "departmentName": dep_name,
        "departmentCode": dep_code,
        "regionName": reg_name,
        "regionCode": reg_code,
        "countryCode": "FR",
        "countryName": "France",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
    }


def personne_morale(
    rng: random.Random, place: vocab.Commune, etablissement_id: int
) -> dict[str, Any]:
    """A plausible établissement: valid SIRET (Luhn), raison sociale, entreprise, association."""
    siret = make_siret(rng)
    siren = siret[:9]
    association = rng.random() < 0.25
    city = place[0]
    if association:
        forme, forme_code = "Association déclarée", "9220"
        raison = rng.choice(vocab.ASSOCIATION_TITRES).format(ville=city)
        naf, libelle_naf = "94.99Z", "Autres organisations fonctionnant par adhésion volontaire"
    else:
        forme, forme_code = rng.choice(vocab.FORMES_JURIDIQUES[:3] + vocab.FORMES_JURIDIQUES[5:6])
        raison = f"{rng.choice(vocab.RAISON_PREFIXES)} {rng.choice(vocab.RAISON_SUFFIXES)}"
        naf, libelle_naf = rng.choice(vocab.NAFS)
    address = _address(rng, place)
    created_year = rng.randint(1975, 2022)
    created = f"{created_year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    entreprise = {
        "siren": siren,
        "capitalSocial": None if association else rng.choice((1000, 5000, 10000, 37000, 150000)),
        "numeroTvaIntracommunautaire": None if association else tva_number(siren),
        "formeJuridique": forme,
        "formeJuridiqueCode": forme_code,
        "nomCommercial": "" if association else raison.upper(),
        "raisonSociale": raison.upper(),
        "siretSiegeSocial": siret,
        "codeEffectifEntreprise": rng.choice(("00", "01", "02", "03", "11", "12", "21")),
        "effectifMensuel": {"nb": float(rng.randint(1, 40)), "periode": "2025-06"},
        "effectifAnnuel": {"nb": float(rng.randint(1, 40)), "periode": "2024"},
        "dateCreation": created,
        "etatAdministratif": "Actif",
        "enseigne": None,
        "nom": None,
        "prenom": None,
        "inlineAdresse": address["label"],
        "attestationFiscaleAttachment": None,
        "attestationSocialeAttachment": None,
    }
    return {
        "__typename": "PersonneMorale",
        "id": gid("Etablissement", etablissement_id),
        "siret": siret,
        "siegeSocial": True,
        "naf": naf.replace(".", ""),
        "libelleNaf": libelle_naf,
        "address": address,
        "adresse": address["label"],
        "numeroVoie": address["streetNumber"],
        "typeVoie": None,
        "nomVoie": address["streetName"],
        "complementAdresse": None,
        "codePostal": address["postalCode"],
        "localite": address["cityName"],
        "codeInseeLocalite": address["cityCode"],
        "entreprise": entreprise,
        "association": (
            {
                "rna": f"W{place[3][:2]}{rng.randint(1000000, 9999999)}",
                "titre": raison,
                "objet": rng.choice(vocab.ASSOCIATION_OBJETS),
                "dateCreation": created,
                "dateDeclaration": created,
                "datePublication": created,
            }
            if association
            else None
        ),
    }


# --- champs ------------------------------------------------------------------------------


def _empty_value(kind: str) -> bool:
    return kind in ("header_section", "explication")


# A filled champ's stringValue, and its column's type and value (a column's value is the
# champ's own type: text, number, boolean, files...), or None for a champ without a column.
_Filled = tuple[str, str | None, Any]


def _fill_text(champ: dict[str, Any], desc: dict[str, Any], ctx: _Context, updated: int) -> _Filled:
    rng = ctx.rng
    sv = rng.choice(vocab.PROJETS)
    column_type, column_value = "TextColumn", sv
    return sv, column_type, column_value


def _fill_textarea(
    champ: dict[str, Any], desc: dict[str, Any], ctx: _Context, updated: int
) -> _Filled:
    rng = ctx.rng
    place = ctx.place
    sv = (
        f"{rng.choice(vocab.PROJETS)} à {place[0]}. Le projet vise à "
        f"{rng.choice(vocab.ASSOCIATION_OBJETS)}, en lien avec les acteurs locaux."
    )
    column_type, column_value = "TextColumn", sv
    return sv, column_type, column_value


def _fill_email(
    champ: dict[str, Any], desc: dict[str, Any], ctx: _Context, updated: int
) -> _Filled:
    rng = ctx.rng
    sv = email_for(rng.choice(vocab.PRENOMS_F), rng.choice(vocab.NOMS), "exemple.fr")
    return sv, None, None


def _fill_phone(
    champ: dict[str, Any], desc: dict[str, Any], ctx: _Context, updated: int
) -> _Filled:
    rng = ctx.rng
    sv = f"0{rng.randint(1, 7)} {rng.randint(10, 99)} {rng.randint(10, 99)} "
    sv += f"{rng.randint(10, 99)} {rng.randint(10, 99)}"
    return sv, None, None


def _fill_iban(champ: dict[str, Any], desc: dict[str, Any], ctx: _Context, updated: int) -> _Filled:
    rng = ctx.rng
    sv = f"FR76 3000 {rng.randint(1000, 9999)} {rng.randint(1000, 9999)} "
    sv += f"{rng.randint(1000, 9999)} {rng.randint(1000, 9999)} {rng.randint(100, 999)}"
    return sv, None, None


def _fill_civilite(
    champ: dict[str, Any], desc: dict[str, Any], ctx: _Context, updated: int
) -> _Filled:
    rng = ctx.rng
    champ["value"] = rng.choice(("M", "Mme"))
    sv = champ["value"]
    return sv, None, None


def _fill_date_or_datetime(
    champ: dict[str, Any], desc: dict[str, Any], ctx: _Context, updated: int
) -> _Filled:
    rng = ctx.rng
    base = ctx.row["depose_at"] + rng.randint(10, 200) * 86_400 * US
    day = iso_date(base)
    if desc["type"] == "date":
        champ["date"] = day
        champ["value"] = base - base % (86_400 * US)
        sv = french_date(day)
        column_type, column_value = "DateColumn", day
    else:
        # Office hours, Paris time.
        at = base - base % (86_400 * US) + rng.randint(7, 16) * 3600 * US
        champ["datetime"] = at
        sv = french_datetime(at)
        column_type, column_value = "DateTimeColumn", at
    return sv, column_type, column_value


def _fill_integer_number(
    champ: dict[str, Any], desc: dict[str, Any], ctx: _Context, updated: int
) -> _Filled:
    rng = ctx.rng
    value = rng.randint(1, 500)
    champ["value"] = value
    sv = str(value)
    column_type, column_value = "IntegerColumn", value
    return sv, column_type, column_value


def _fill_decimal_number(
    champ: dict[str, Any], desc: dict[str, Any], ctx: _Context, updated: int
) -> _Filled:
    rng = ctx.rng
    decimal = round(rng.randint(100, 5_000_000) / 100, 2)
    champ["value"] = decimal
    sv = str(decimal)
    column_type, column_value = "DecimalColumn", decimal
    return sv, column_type, column_value


def _fill_checkbox(
    champ: dict[str, Any], desc: dict[str, Any], ctx: _Context, updated: int
) -> _Filled:
    champ["value"] = True
    sv = "Oui"
    column_type, column_value = "BooleanColumn", True
    return sv, column_type, column_value


def _fill_yes_no(
    champ: dict[str, Any], desc: dict[str, Any], ctx: _Context, updated: int
) -> _Filled:
    rng = ctx.rng
    yes = rng.random() < 0.5
    champ["value"] = yes
    sv = "Oui" if yes else "Non"
    column_type, column_value = "BooleanColumn", yes
    return sv, column_type, column_value


def _fill_drop_down_list(
    champ: dict[str, Any], desc: dict[str, Any], ctx: _Context, updated: int
) -> _Filled:
    rng = ctx.rng
    sv = rng.choice(desc["options"])
    champ["value"] = sv
    column_type, column_value = "EnumColumn", sv
    return sv, column_type, column_value


def _fill_multiple_drop_down_list(
    champ: dict[str, Any], desc: dict[str, Any], ctx: _Context, updated: int
) -> _Filled:
    rng = ctx.rng
    values = rng.sample(desc["options"], rng.randint(1, 3))
    champ["values"] = values
    sv = ", ".join(values)
    column_type, column_value = "EnumsColumn", values
    return sv, column_type, column_value


def _fill_linked_drop_down_list(
    champ: dict[str, Any], desc: dict[str, Any], ctx: _Context, updated: int
) -> _Filled:
    rng = ctx.rng
    primary = rng.choice(list(vocab.SECTEURS))
    secondary = rng.choice(vocab.SECTEURS[primary])
    champ["primaryValue"] = primary
    champ["secondaryValue"] = secondary
    sv = f"{primary} / {secondary}"
    return sv, None, None


def _fill_address(
    champ: dict[str, Any], desc: dict[str, Any], ctx: _Context, updated: int
) -> _Filled:
    rng = ctx.rng
    place = ctx.place
    address = _address(rng, place)
    champ["address"] = address
    champ["commune"] = {"name": place[0], "code": place[1], "postalCode": place[2]}
    champ["departement"] = {"code": place[3], "name": place[4]}
    sv = address["label"]
    return sv, None, None


def _fill_communes(
    champ: dict[str, Any], desc: dict[str, Any], ctx: _Context, updated: int
) -> _Filled:
    place = ctx.place
    champ["commune"] = {"name": place[0], "code": place[1], "postalCode": place[2]}
    champ["departement"] = {"code": place[3], "name": place[4]}
    sv = f"{place[0]} ({place[2]})"
    return sv, None, None


def _fill_departements(
    champ: dict[str, Any], desc: dict[str, Any], ctx: _Context, updated: int
) -> _Filled:
    place = ctx.place
    champ["departement"] = {"code": place[3], "name": place[4]}
    sv = f"{place[3]} – {place[4]}"
    return sv, None, None


def _fill_regions(
    champ: dict[str, Any], desc: dict[str, Any], ctx: _Context, updated: int
) -> _Filled:
    place = ctx.place
    champ["region"] = {"code": place[5], "name": place[6]}
    sv = place[6]
    return sv, None, None


def _fill_pays(champ: dict[str, Any], desc: dict[str, Any], ctx: _Context, updated: int) -> _Filled:
    rng = ctx.rng
    code, name = rng.choice(vocab.PAYS[:4])
    champ["pays"] = {"code": code, "name": name}
    sv = name
    return sv, None, None


def _fill_epci(champ: dict[str, Any], desc: dict[str, Any], ctx: _Context, updated: int) -> _Filled:
    rng = ctx.rng
    place = ctx.place
    code, name = rng.choice(vocab.EPCIS)
    champ["epci"] = {"code": code, "name": name}
    champ["departement"] = {"code": place[3], "name": place[4]}
    sv = name
    return sv, None, None


def _fill_siret(
    champ: dict[str, Any], desc: dict[str, Any], ctx: _Context, updated: int
) -> _Filled:
    rng = ctx.rng
    place = ctx.place
    etab = personne_morale(rng, place, ctx.number * 10 + 1)
    champ["etablissement"] = etab
    sv = etab["siret"]
    return sv, None, None


def _fill_rna(champ: dict[str, Any], desc: dict[str, Any], ctx: _Context, updated: int) -> _Filled:
    rng = ctx.rng
    place = ctx.place
    rna = f"W{place[3][:2]}{rng.randint(1000000, 9999999)}"
    title = rng.choice(vocab.ASSOCIATION_TITRES).format(ville=place[0])
    champ["rna"] = {"id": rna, "title": title, "address": _address(rng, place)}
    champ["commune"] = {"name": place[0], "code": place[1], "postalCode": place[2]}
    champ["departement"] = {"code": place[3], "name": place[4]}
    sv = rna
    return sv, None, None


def _fill_rnf(champ: dict[str, Any], desc: dict[str, Any], ctx: _Context, updated: int) -> _Filled:
    rng = ctx.rng
    place = ctx.place
    rnf = f"{place[3]}-FDD-{rng.randint(10000, 99999)}-01"
    champ["rnf"] = {
        "id": rnf,
        "title": f"Fondation {rng.choice(vocab.NOMS)}",
        "address": _address(rng, place),
    }
    champ["commune"] = {"name": place[0], "code": place[1], "postalCode": place[2]}
    champ["departement"] = {"code": place[3], "name": place[4]}
    sv = rnf
    return sv, None, None


def _fill_engagement_juridique(
    champ: dict[str, Any], desc: dict[str, Any], ctx: _Context, updated: int
) -> _Filled:
    rng = ctx.rng
    champ["engagementJuridique"] = {
        "montantEngage": str(rng.randint(1000, 90000)),
        "montantPaye": str(rng.randint(0, 1000)),
    }
    sv = f"EJ{rng.randint(1000000000, 2100000000)}"
    return sv, None, None


def _fill_piece_justificative(
    champ: dict[str, Any], desc: dict[str, Any], ctx: _Context, updated: int
) -> _Filled:
    rng = ctx.rng
    files = []
    for _ in range(rng.randint(1, 2)):
        name, ctype = rng.choice(vocab.PJ_NAMES)
        files.append(file_dict(ctx.file_key(name.split(".")[0]), name, ctype, updated))
    champ["files"] = files
    champ["file"] = files[0]
    sv = ", ".join(f["filename"] for f in files)
    column_type, column_value = "AttachmentsColumn", files
    return sv, column_type, column_value


def _fill_titre_identite(
    champ: dict[str, Any], desc: dict[str, Any], ctx: _Context, updated: int
) -> _Filled:
    champ["filled"] = True
    champ["grantType"] = "piece_justificative"
    sv = "Pièce d’identité fournie"
    return sv, None, None


def _fill_carte(
    champ: dict[str, Any], desc: dict[str, Any], ctx: _Context, updated: int
) -> _Filled:
    rng = ctx.rng
    place = ctx.place
    lon = round(-1.0 + rng.random() * 2, 5)
    lat = round(44.0 + rng.random() * 1.5, 5)
    d = 0.002
    ring = [[lon, lat], [lon + d, lat], [lon + d, lat + d], [lon, lat + d], [lon, lat]]
    parcel = rng.randint(1, 999)
    champ["geoAreas"] = [
        {
            "__typename": "SelectionUtilisateur",
            "id": gid("GeoArea", ctx.number * 10 + 1),
            "source": "selection_utilisateur",
            "description": "Zone d’intervention",
            "geometry": {"type": "Polygon", "coordinates": [ring]},
        },
        {
            "__typename": "ParcelleCadastrale",
            "id": gid("GeoArea", ctx.number * 10 + 2),
            "source": "cadastre",
            "description": None,
            "geometry": {"type": "Polygon", "coordinates": [ring]},
            "commune": place[1],
            "nomCom": place[0],
            "codeCom": place[1][2:],
            "codeDep": place[3],
            "codeArr": "000",
            "numero": str(parcel),
            "section": rng.choice(("AB", "AC", "BK", "ZA")),
            "prefixe": "000",
            "feuille": 1,
            "surface": str(rng.randint(200, 9000)),
            "surfaceIntersection": float(rng.randint(100, 2000)),
            "surfaceParcelle": float(rng.randint(200, 9000)),
        },
    ]
    sv = "2 zones"
    return sv, None, None


def _fill_dossier_link(
    champ: dict[str, Any], desc: dict[str, Any], ctx: _Context, updated: int
) -> _Filled:
    rng = ctx.rng
    linked = ctx.number - rng.randint(1, 30)
    champ["dossierNumber"] = linked
    sv = str(linked)
    return sv, None, None


def _fill_other(
    champ: dict[str, Any], desc: dict[str, Any], ctx: _Context, updated: int
) -> _Filled:
    """Text-like types: formatted, number, referentiel, cnaf, dgfip..."""
    return str(ctx.rng.randint(100000, 999999)), None, None


# Each filled champ's maker, by descriptor type; each draws from the dossier's generator in
# the same order as before, so that a seed gives the same dossier.
_FILLERS: dict[str, Callable[[dict[str, Any], dict[str, Any], _Context, int], _Filled]] = {
    "text": _fill_text,
    "textarea": _fill_textarea,
    "email": _fill_email,
    "phone": _fill_phone,
    "iban": _fill_iban,
    "civilite": _fill_civilite,
    "date": _fill_date_or_datetime,
    "datetime": _fill_date_or_datetime,
    "integer_number": _fill_integer_number,
    "decimal_number": _fill_decimal_number,
    "checkbox": _fill_checkbox,
    "yes_no": _fill_yes_no,
    "drop_down_list": _fill_drop_down_list,
    "multiple_drop_down_list": _fill_multiple_drop_down_list,
    "linked_drop_down_list": _fill_linked_drop_down_list,
    "address": _fill_address,
    "communes": _fill_communes,
    "departements": _fill_departements,
    "regions": _fill_regions,
    "pays": _fill_pays,
    "epci": _fill_epci,
    "siret": _fill_siret,
    "rna": _fill_rna,
    "rnf": _fill_rnf,
    "engagement_juridique": _fill_engagement_juridique,
    "piece_justificative": _fill_piece_justificative,
    "titre_identite": _fill_titre_identite,
    "carte": _fill_carte,
    "dossier_link": _fill_dossier_link,
}


def make_champ(
    desc: dict[str, Any], ctx: _Context, updated: int, filled: bool, row_id: str | None = None
) -> dict[str, Any]:
    """One champ for that descriptor; `filled=False` gives an empty (optional) champ."""
    kind = desc["type"]
    rng = ctx.rng
    stable = desc["stableId"]
    champ_id = gid("Champ", f"{stable}|{row_id}" if row_id else stable)
    champ: dict[str, Any] = {
        "__typename": CHAMP_TYPENAMES.get(kind, "TextChamp"),
        "id": champ_id,
        "champDescriptorId": desc["id"],
        "label": desc["label"],
        "stringValue": None,
        "updatedAt": updated,
        "prefilled": False,
        "columns": [],
    }
    if kind == "header_section":
        champ["level"] = desc.get("level", 1)
        return champ
    if kind == "explication":
        return champ
    if kind == "repetition":
        rows: list[dict[str, Any]] = []
        for _ in range(rng.randint(1, 3) if filled else 0):
            rid = f"{ctx.number}{rng.randint(100, 999)}{len(rows)}"
            rows.append(
                {
                    "id": gid("Row", rid),
                    "champs": [
                        make_champ(child, ctx, updated, True, rid)
                        for child in desc["champDescriptors"]
                    ],
                }
            )
        champ["rows"] = rows
        champ["champs"] = [c for r in rows for c in r["champs"]]
        champ["stringValue"] = "\n".join(
            " ; ".join(c["stringValue"] or "" for c in r["champs"]) for r in rows
        )
        return champ
    if not filled:
        if kind == "checkbox":
            champ["value"] = False
            champ["stringValue"] = "Non"
        if kind == "multiple_drop_down_list":
            champ["values"] = []
        if kind in ("piece_justificative",):
            champ["files"] = []
        if kind == "carte":
            champ["geoAreas"] = []
        if kind == "titre_identite":
            champ["filled"] = False
            champ["grantType"] = "piece_justificative"
        return champ
    sv, column_type, column_value = _FILLERS.get(kind, _fill_other)(champ, desc, ctx, updated)
    champ["stringValue"] = sv
    if column_type is not None:
        champ["columns"] = [
            {
                "__typename": column_type,
                "id": gid("Column", f"{stable}/value"),
                "label": desc["label"],
                "stringValue": sv,
                "value": column_value,
            }
        ]
    return champ


def empty_champ(
    desc: dict[str, Any], number: int, updated: int, row_id: str | None = None
) -> dict[str, Any]:
    """An empty champ for that descriptor (a new repetition row, for instance)."""
    ctx = _Context(
        0, {"number": number, "depose_at": updated}, random.Random(number), vocab.COMMUNES[0]
    )
    return make_champ(desc, ctx, updated, False, row_id)


def french_datetime(us: int) -> str:
    """`5 mars 2026 14:30`, as DS shows a datetime champ."""
    local = to_datetime(us).astimezone(PARIS)
    return f"{french_date(local.date().isoformat())} {local.hour:02d}:{local.minute:02d}"


def _champs(
    descriptors: list[dict[str, Any]], ctx: _Context, updated: int, fill_rate: float
) -> list[dict[str, Any]]:
    champs = []
    for desc in descriptors:
        filled = desc["required"] or ctx.rng.random() < fill_rate
        champs.append(make_champ(desc, ctx, updated, filled))
    return champs


# --- the whole dossier -------------------------------------------------------------------


def _revision(demarche: dict[str, Any], number: int) -> dict[str, Any]:
    revisions: list[dict[str, Any]] = demarche["revisions"]
    for revision in revisions:
        if revision["number"] == number:
            return revision
    return revisions[-2]


def build(
    seed: int,
    row: dict[str, Any],
    demarche: dict[str, Any],
    groupes: dict[int, dict[str, Any]],
    instructeurs: dict[int, dict[str, Any]],
) -> dict[str, Any]:
    """Everything about the dossier that the core row does not hold (see module docstring)."""
    number: int = row["number"]
    rng = random.Random(seed * 1_000_003 + number)
    place = rng.choice(vocab.COMMUNES)
    ctx = _Context(seed, row, rng, place)
    depose, updated = row["depose_at"], row["updated_at"]
    groupe = groupes[row["groupe"]]
    agents = [instructeurs[i]["email"] for i in groupe["instructeurs"]]
    agent_ids = list(groupe["instructeurs"])
    seq = 0

    def next_id() -> int:
        nonlocal seq
        seq += 1
        return number * ID_STRIDE + seq

    civilite = rng.choice(("M", "Mme"))
    prenom = rng.choice(vocab.PRENOMS_M if civilite == "M" else vocab.PRENOMS_F)
    nom = rng.choice(vocab.NOMS)
    usager_email = email_for(prenom, nom, rng.choice(vocab.USAGER_DOMAINS))
    if demarche["individual"]:
        year = rng.randint(1950, 2003)
        demandeur = {
            "__typename": "PersonnePhysique",
            "id": gid("Individual", number),
            "civilite": civilite,
            "nom": nom.upper(),
            "prenom": prenom,
            "dateDeNaissance": f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
            "email": None,
        }
    else:
        demandeur = personne_morale(rng, place, number * 10)

    revision = _revision(demarche, row["revision"])
    champs = _champs(revision["champDescriptors"], ctx, row["champs_at"], 0.6)
    annotated = row["annotations_at"] > row["created_at"]
    annotations = _champs(
        revision["annotationDescriptors"],
        ctx,
        row["annotations_at"],
        0.5 if annotated else 0.0,
    )
    if not annotated:
        for champ in annotations:
            champ["updatedAt"] = row["created_at"]

    traitements = [
        {
            "id": gid("Traitement", next_id()),
            "event": "depose",
            "state": "en_construction",
            "dateTraitement": depose,
            "emailAgentTraitant": None,
            "motivation": None,
            "revisionNumber": row["revision"],
        }
    ]
    decider = rng.choice(agents)
    if row["en_instruction_at"] is not None:
        auto = rng.random() < 0.1
        traitements.append(
            {
                "id": gid("Traitement", next_id()),
                "event": "passe_en_instruction_automatiquement" if auto else "passe_en_instruction",
                "state": "en_instruction",
                "dateTraitement": row["en_instruction_at"],
                "emailAgentTraitant": None if auto else rng.choice(agents),
                "motivation": None,
                "revisionNumber": row["revision"],
            }
        )
    motivation = attachment = attestation = None
    state = row["state"]
    if state in TERMINE and row["processed_at"] is not None:
        processed = row["processed_at"]
        # Every generated decision is motivated (DS only requires it to refuse).
        motivation = rng.choice(vocab.MOTIVATIONS[state]).format(
            date=french_date(iso_date(processed))
        )
        if rng.random() < 0.2:
            attachment = file_dict(
                ctx.file_key("decision"), "decision.pdf", "application/pdf", processed
            )
        if state == "accepte" and demarche.get("attestation", True):
            attestation = file_dict(
                ctx.file_key("attestation"),
                f"attestation-{number}.pdf",
                "application/pdf",
                processed,
            )
        event = {"accepte": "accepte", "refuse": "refuse", "sans_suite": "classe_sans_suite"}
        traitements.append(
            {
                "id": gid("Traitement", next_id()),
                "event": event[state],
                "state": state,
                "dateTraitement": processed,
                "emailAgentTraitant": decider,
                "motivation": motivation,
                "revisionNumber": row["revision"],
            }
        )

    # A dossier deposited just now (control API) has no history yet.
    fresh = updated == depose
    messages = []
    # DS writes its deposit notice into the messagerie on every deposit
    # (DossierStateConcern#after_passer_en_construction → create_commentaire_for_state). The
    # draw below once made it one dossier in two; it is kept so the seeded data stays the same.
    rng.random()
    service = demarche.get("service", {}).get("nom", "")
    deposit = notice_body("en_construction", number, demarche["title"], depose, service=service)
    messages.append(_message(next_id(), SYSTEM_EMAIL, deposit, depose, [], "system"))
    # DS's notices of the transitions in the generated history (no rng: the rest stays as is).
    for traitement in traitements[1:]:
        notice = {
            "passe_en_instruction": "en_instruction",
            "passe_en_instruction_automatiquement": "en_instruction",
            "classe_sans_suite": "sans_suite",
        }
        kind = notice.get(traitement["event"], traitement["event"])
        if kind in NOTICES:
            at = traitement["dateTraitement"]
            body = notice_body(
                kind,
                number,
                demarche["title"],
                at,
                service=demarche.get("service", {}).get("nom", ""),
                motivation=traitement.get("motivation"),
            )
            messages.append(_message(next_id(), SYSTEM_EMAIL, body, at, [], "system"))
    if updated - depose > 120 * US:
        for _ in range(rng.randint(0, 4)):
            created = _between(rng, depose + US, updated)
            from_usager = rng.random() < 0.5
            files = []
            if rng.random() < 0.25:
                name, ctype = rng.choice(vocab.PJ_NAMES)
                files.append(file_dict(ctx.file_key("piece"), name, ctype, created))
            messages.append(
                _message(
                    next_id(),
                    usager_email if from_usager else rng.choice(agents),
                    rng.choice(
                        vocab.MESSAGES_USAGER if from_usager else vocab.MESSAGES_INSTRUCTEUR
                    ),
                    created,
                    files,
                    "usager" if from_usager else "instructeur",
                )
            )
    messages.sort(key=lambda m: m["createdAt"])

    avis: list[dict[str, Any]] = []
    if row["en_instruction_at"] is not None and rng.random() < 0.3 and not fresh:
        for _ in range(rng.randint(1, 2)):
            asked = _between(rng, row["en_instruction_at"], updated)
            claimant_id = rng.choice(agent_ids)
            claimant = {
                "id": gid("Instructeur", claimant_id),
                "email": instructeurs[claimant_id]["email"],
            }
            answered = rng.random() < 0.6 and updated > asked
            expert = email_for(
                rng.choice(vocab.PRENOMS_F + vocab.PRENOMS_M),
                rng.choice(vocab.NOMS),
                rng.choice(EXPERT_DOMAINS),
            )
            aid = next_id()
            avis.append(
                {
                    "id": gid("Avis", aid),
                    "question": rng.choice(vocab.AVIS_QUESTIONS),
                    "questionLabel": None,
                    "questionAnswer": None,
                    "reponse": rng.choice(vocab.AVIS_REPONSES) if answered else None,
                    "dateQuestion": asked,
                    "dateReponse": _between(rng, asked, updated) if answered else None,
                    "claimant": claimant,
                    "instructeur": claimant,
                    "expert": {"id": gid("Expert", aid), "email": expert},
                    "attachments": [],
                    "attachment": None,
                }
            )

    followers = []
    if row["en_instruction_at"] is not None and rng.random() < 0.7 and not fresh:
        followers.append(rng.choice(agent_ids))
    labels = []
    roll = rng.random()
    if roll < 0.4 and not fresh:
        labels = rng.sample(demarche["labels"], 2 if roll < 0.1 else 1)

    tiers = demarche["individual"] and rng.random() < 0.1
    return {
        "seq": seq,
        "usager": {"id": gid("User", number * 7 + 3), "email": usager_email},
        "demandeur": demandeur,
        "connectionUsager": "france_connect" if rng.random() < 0.3 else "password",
        "prefilled": False,
        "deposeParUnTiers": tiers,
        "prenomMandataire": rng.choice(vocab.PRENOMS_F) if tiers else None,
        "nomMandataire": rng.choice(vocab.NOMS) if tiers else None,
        "champs": champs,
        "annotations": annotations,
        "messages": messages,
        "avis": avis,
        "traitements": traitements,
        "followers": followers,
        "labels": labels,
        "motivation": motivation,
        "motivationAttachment": attachment,
        "attestation": attestation,
        "pdf": file_dict(
            f"pdf-{seed}-{number}", f"dossier-{number}.pdf", "application/pdf", depose
        ),
    }


def _message(
    mid: int, email: str, body: str, created: int, files: list[dict[str, Any]], author: str
) -> dict[str, Any]:
    return {
        "id": gid("Commentaire", mid),
        "email": email,
        "body": body,
        "createdAt": created,
        "attachments": files,
        "attachment": files[0] if files else None,
        "discardedAt": None,
        "correction": None,
        "author": author,
    }


def new_message(
    details: dict[str, Any],
    number: int,
    email: str,
    body: str,
    created: int,
    files: list[dict[str, Any]],
    author: str,
) -> dict[str, Any]:
    """Appends a message with the next id of that dossier and returns it."""
    details["seq"] += 1
    message = _message(number * ID_STRIDE + details["seq"], email, body, created, files, author)
    details["messages"].append(message)
    return message


def new_traitement(
    details: dict[str, Any],
    number: int,
    event: str,
    state: str,
    at: int,
    email: str | None,
    motivation: str | None,
    revision: int,
) -> dict[str, Any]:
    details["seq"] += 1
    traitement = {
        "id": gid("Traitement", number * ID_STRIDE + details["seq"]),
        "event": event,
        "state": state,
        "dateTraitement": at,
        "emailAgentTraitant": email,
        "motivation": motivation,
        "revisionNumber": revision,
    }
    details["traitements"].append(traitement)
    return traitement
