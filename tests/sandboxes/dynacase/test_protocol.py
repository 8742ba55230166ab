"""The sandbox's `/api/v1/` protocol over real HTTP: routing, envelope, auth, documents,
collections, ETags. Each test cites the section of docs/dynacase-api.md it pins."""

from __future__ import annotations

import httpx
import pytest

from tests.fakes.dynacase_sandbox import api

SUBV = "DEMANDE_SUBVENTION"


def first_document(sandbox, family: str = SUBV) -> dict:
    with api(sandbox) as http:
        return http.get(f"families/{family}/documents/").json()["data"]["documents"][0]


def error_of(response: httpx.Response) -> dict:
    body = response.json()
    assert body["success"] is False and body["data"] is None
    return body["messages"][0]


# --- §1 addresses and routing -------------------------------------------------------------


def test_trailing_slash_matters(dynacase):
    # docs/dynacase-api.md §1.2
    with api(dynacase) as http:
        assert http.get("documents/").status_code == 200
        response = http.get("documents")
    assert response.status_code == 404
    assert response.reason_phrase == "Route not found"
    body = response.json()
    assert body["messages"][0]["code"] == "API0004"
    # API-level errors carry a second, debug message pointing at the API's help.
    assert body["messages"][1]["type"] == "debug"
    # Router::identifyCRUD names the path (after /api/v1, suffix removed) in API0004's text.
    text = "The URL /documents is not compatible with the ressources of the API"
    assert body["exceptionMessage"] == text and body["messages"][0]["contentText"] == text


def test_resource_with_a_trailing_slash_is_no_route(dynacase):
    # docs/dynacase-api.md §1.2
    doc = first_document(dynacase)
    with api(dynacase) as http:
        response = http.get(f"documents/{doc['properties']['initid']}/")
    assert response.status_code == 404 and error_of(response)["code"] == "API0004"


def test_json_suffix_is_the_same_resource(dynacase):
    # docs/dynacase-api.md §1.3
    initid = first_document(dynacase)["properties"]["initid"]
    with api(dynacase) as http:
        plain = http.get(f"documents/{initid}").json()
        suffixed = http.get(f"documents/{initid}.json").json()
        other = http.get(f"documents/{initid}.xml")
    assert plain == suffixed
    assert other.status_code == 400 and error_of(other)["code"] == "API0005"


def test_any_accept_header_is_served_json(dynacase):
    # docs/dynacase-api.md §1.4: the module never reaches its Accept check.
    with api(dynacase) as http:
        csv = http.get("documents/", headers={"Accept": "text/csv"})
        xml = http.get("documents/", headers={"Accept": "application/xml"})
        ok = http.get("documents/", headers={"Accept": "application/json"})
    assert csv.status_code == xml.status_code == ok.status_code == 200
    assert csv.json()["data"]["documents"] == ok.json()["data"]["documents"]
    assert csv.headers["Content-Type"] == "application/json"


def test_an_unknown_format_suffix_is_api0005_in_the_modules_words(dynacase):
    # docs/dynacase-api.md §1.3
    doc = first_document(dynacase)
    with api(dynacase) as http:
        response = http.get(f"documents/{doc['properties']['initid']}.xml")
    assert (response.status_code, response.reason_phrase) == (400, "Dcp Exception")
    assert error_of(response) == {
        "type": "error",
        "code": "API0005",
        "contentText": "Unable to return the type xml",
    }


def test_method_override_and_unknown_verbs(dynacase):
    # docs/dynacase-api.md §1.5
    with api(dynacase) as http:
        bad_override = http.post("documents/", headers={"X-HTTP-Method-Override": "PATCH"})
        bad_verb = http.request("PATCH", "documents/")
        override = http.post("documents/", headers={"X-HTTP-Method-Override": "DELETE"})
    assert error_of(bad_override)["code"] == "API0008"
    assert error_of(bad_override)["contentText"] == (
        'Override http method "PATCH" not allowed for "POST" /  '
    )
    assert error_of(bad_verb)["code"] == "API0007"
    assert error_of(bad_verb)["contentText"] == 'No compatible http method  "PATCH" '
    assert bad_verb.reason_phrase == "Dcp Exception" and bad_verb.status_code == 400
    assert override.status_code == 405 and error_of(override)["code"] == "CRUD0103"
    # DocumentCollection::delete's own status line and __METHOD__ in CRUD0103's text.
    assert override.reason_phrase == "You cannot delete all the documents."
    assert error_of(override)["contentText"] == (
        'Action "Dcp\\HttpApi\\V1\\Crud\\DocumentCollection::delete" is not usable'
    )


def test_head_is_not_get_and_the_override_is_case_sensitive(dynacase):
    # docs/dynacase-api.md §1.5: Router::convertActionToCrud compares the verbs as sent.
    with api(dynacase) as http:
        head = http.request("HEAD", "documents/")
        lower = http.post("documents/", headers={"X-HTTP-Method-Override": "delete"})
        get_with_override = http.get("documents/", headers={"X-HTTP-Method-Override": "DELETE"})
    assert head.status_code == 400
    assert error_of(lower)["code"] == "API0008"
    assert get_with_override.status_code == 200


@pytest.mark.parametrize(
    ("verb", "path", "status", "reason"),
    [
        ("PUT", "documents/", 405, "You cannot update all the documents"),
        ("DELETE", "families/DEMANDE_SUBVENTION", 405, "You cannot delete a family with the API"),
        ("PUT", "families/DEMANDE_SUBVENTION/enumerates/sub_avis", 501, "No yet implemented"),
    ],
)
def test_a_refused_verb_has_its_resources_status_line(dynacase, verb, path, status, reason):
    # docs/dynacase-api.md §1.5
    with api(dynacase) as http:
        response = http.request(verb, path)
    assert (response.status_code, response.reason_phrase) == (status, reason)
    assert error_of(response)["code"] == "CRUD0103"


# --- §2 envelope and statuses -------------------------------------------------------------


def test_success_envelope_and_content_type(dynacase):
    # docs/dynacase-api.md §2.1, §2.3
    with api(dynacase) as http:
        response = http.get("documents/")
    body = response.json()
    assert set(body) == {"success", "messages", "data"}  # no exceptionMessage on success
    assert body["success"] is True and body["messages"] == []
    assert response.headers["Content-Type"] == "application/json"


def test_error_envelope_keeps_code_and_text(dynacase):
    # docs/dynacase-api.md §2.2, §4.1
    with api(dynacase) as http:
        response = http.get("documents/999999")
    assert response.status_code == 404 and response.reason_phrase == "Document not found"
    message = error_of(response)
    assert message == {
        "type": "error",
        "contentText": 'Document "999999" not found',
        "code": "CRUD0200",
    }
    assert response.json()["exceptionMessage"]


# --- §3 authentication --------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "DcpOpen not-a-token"}, {"Authorization": "Bearer sandbox-token"}],
    ids=["none", "unknown", "other-scheme"],
)
def test_no_valid_token_is_403_not_401(dynacase, headers):
    # docs/dynacase-api.md §3.2
    response = httpx.get(dynacase.api_url + "documents/", headers=headers)
    assert response.status_code == 403
    message = error_of(response)
    assert message["contentText"] == "User must be authenticated"
    assert "code" not in message  # empty fields are left out


def test_token_in_the_query_string(dynacase):
    # docs/dynacase-api.md §3.1
    url = dynacase.api_url + "documents/"
    response = httpx.get(url, params={"dcpopen-authorization": dynacase.token_of("l.petit")})
    assert response.status_code == 200


# --- §4 documents -------------------------------------------------------------------------


def test_document_properties_and_state_object(dynacase):
    # docs/dynacase-api.md §4.2
    initid = first_document(dynacase)["properties"]["initid"]
    with api(dynacase) as http:
        document = http.get(f"documents/{initid}").json()["data"]["document"]
    props = document["properties"]
    assert set(props) == {"id", "title", "icon", "initid", "name", "revision", "state"}
    assert set(props["state"]) == {"reference", "stateLabel", "activity", "displayValue", "color"}
    assert props["state"]["displayValue"] == (
        props["state"]["activity"] or props["state"]["stateLabel"]
    )
    assert document["uri"].endswith(f"/api/v1/documents/{initid}.json")


def test_state_is_left_out_without_a_workflow(dynacase):
    # docs/dynacase-api.md §4.2
    doc = first_document(dynacase, "COURRIER_ENTRANT")
    assert "state" not in doc["properties"]
    assert doc["properties"]["name"] is None  # names are optional


def test_attributes_are_value_and_display_value(dynacase):
    # docs/dynacase-api.md §4.3
    created = dynacase.control.create_document(
        SUBV, "Fête de la musique", sub_montant=1500, sub_date_depot="2026-03-05"
    )
    with api(dynacase) as http:
        attrs = http.get(f"documents/{created['initid']}").json()["data"]["document"]["attributes"]
    assert attrs["sub_montant"]["value"] == 1500
    assert attrs["sub_date_depot"] == {"value": "2026-03-05", "displayValue": "05/03/2026"}
    domain = attrs["sub_domaine"]
    assert domain["value"] and domain["displayValue"] and domain["value"] != domain["displayValue"]


def test_fields_select_properties_and_refuse_unknown_ones(dynacase):
    # docs/dynacase-api.md §4.4
    initid = first_document(dynacase)["properties"]["initid"]
    with api(dynacase) as http:
        fields = "document.properties,document.properties.revdate,document.properties.family"
        doc = http.get(f"documents/{initid}", params={"fields": fields}).json()["data"]["document"]
        bad_prop = http.get(f"documents/{initid}", params={"fields": "document.properties.nope"})
        bad_attr = http.get(f"documents/{initid}", params={"fields": "document.attributes.nope"})
    assert "attributes" not in doc
    assert doc["properties"]["family"]["name"] == SUBV
    assert len(doc["properties"]["revdate"]) == len("2026-03-05 14:02:11")
    # An unknown property is DocManager's exception (400 "Dcp Exception", error id first); an
    # unknown attribute goes through DocumentUtils::isAttribute: CRUD0502, never CRUD0218.
    assert (bad_prop.status_code, bad_prop.reason_phrase) == (400, "Dcp Exception")
    assert error_of(bad_prop)["code"] == "CRUD0202"
    assert error_of(bad_prop)["contentText"].endswith(
        '{CRUD0202} Document property fields "nope" not known'
    )
    assert error_of(bad_attr)["code"] == "CRUD0502"
    assert error_of(bad_attr)["contentText"] == (
        'The required field must be an attribute with value or a property (not "nope")'
    )


def test_a_collection_never_refuses_its_fields(dynacase):
    # docs/dynacase-api.md §4.4: no CRUD0214 on collections, attributes unchecked on documents/.
    with api(dynacase) as http:
        nothing = http.get("documents/", params={"fields": "nope", "slice": 2})
        unknown = http.get("documents/", params={"fields": "document.attributes.nope", "slice": 2})
    assert nothing.status_code == unknown.status_code == 200
    assert all(d["properties"] == {} for d in nothing.json()["data"]["documents"])
    assert len(unknown.json()["data"]["documents"]) == 2


def test_a_revision_id_other_than_the_initid_redirects(dynacase):
    # docs/dynacase-api.md §4.1
    created = dynacase.control.create_document(SUBV, "Vide-grenier")
    assert created["id"] == created["initid"]  # the first revision's id is the initid
    dynacase.control.set_state(created["initid"], "e_sub_transmis")
    current_id = dynacase.control.document(created["initid"])["id"]
    with api(dynacase) as http:
        response = http.get(f"documents/{current_id}", params={"fields": "document.properties"})
        by_name = http.get(f"documents/{created['name']}").json()["data"]["document"]
    assert response.status_code == 307 and response.reason_phrase == "This is a revision"
    assert error_of(response)["code"] == "CRUD0222"
    assert response.headers["Location"] == (
        f"{dynacase.api_url}documents/{created['initid']}.json?fields=document.properties"
    )
    assert by_name["properties"]["initid"] == created["initid"]
    assert by_name["properties"]["id"] != created["id"]  # the current revision


def test_family_variant_checks_membership_then_redirects(dynacase):
    # docs/dynacase-api.md §4.1
    initid = first_document(dynacase)["properties"]["initid"]
    with api(dynacase) as http:
        wrong = http.get(f"families/DEMANDE_CONGE/documents/{initid}")
        right = http.get(f"families/demande_subvention/documents/{initid}")
    assert wrong.status_code == 404 and error_of(wrong)["code"] == "CRUD0220"
    assert right.status_code == 307
    # FamilyDocument::checkId's own status line.
    assert right.reason_phrase == "This is not the canonical URI"
    assert right.headers["Location"].endswith(f"/documents/{initid}.json")


# --- §5 collections -----------------------------------------------------------------------


def test_default_slice_is_10_and_length_is_what_came_back(dynacase):
    # docs/dynacase-api.md §5.2
    total = next(f for f in dynacase.control.families() if f["name"] == SUBV)["documents_count"]
    assert total > 10
    with api(dynacase) as http:
        first = http.get(f"families/{SUBV}/documents/").json()["data"]
        tail = http.get(f"families/{SUBV}/documents/", params={"offset": 10, "slice": 100})
        every = http.get(f"families/{SUBV}/documents/", params={"slice": "all"}).json()["data"]
    params = first["requestParameters"]
    assert params["slice"] == 10 and params["offset"] == 0 and params["length"] == 10
    assert len(first["documents"]) == 10
    assert tail.json()["data"]["requestParameters"]["length"] == total - 10  # not a total
    assert every["requestParameters"]["length"] == total
    # FamilyDocumentCollection::getCollectionProperties: "%s Documents"; documents/ has "".
    assert first["properties"] == {"title": "Demande de subvention Documents"}


def test_order_by_is_echoed_with_the_id_tie_breaker(dynacase):
    # docs/dynacase-api.md §5.3
    with api(dynacase) as http:
        default = http.get("documents/").json()["data"]
        params = {
            "orderBy": "revdate:desc",
            "slice": "all",
            "fields": "document.properties.revdate",
        }
        by_date = http.get(f"families/{SUBV}/documents/", params=params).json()["data"]
        bad_dir = http.get("documents/", params={"orderBy": "title:up"})
        bad_field = http.get("documents/", params={"orderBy": "nope"})
    assert default["requestParameters"]["orderBy"] == "title asc, id desc"
    titles = [d["properties"]["title"] for d in default["documents"]]
    assert titles == sorted(titles)
    assert by_date["requestParameters"]["orderBy"] == "revdate desc, id desc"
    dates = [d["properties"]["revdate"] for d in by_date["documents"]]
    assert dates == sorted(dates, reverse=True)
    assert error_of(bad_dir)["code"] == "CRUD0501"
    assert error_of(bad_dir)["contentText"] == 'The sort direction must be desc or asc (not "up")'
    # On documents/ the module checks a non-property with no document: PHP's fatal error.
    assert (bad_field.status_code, bad_field.reason_phrase) == (500, "Dynacase Fatal Error")


def test_family_attribute_orders_family_collections(dynacase):
    # docs/dynacase-api.md §5.3
    params = {"orderBy": "sub_montant:desc", "slice": "all", "fields": "document.attributes"}
    with api(dynacase) as http:
        data = http.get(f"families/{SUBV}/documents/", params=params).json()["data"]
        on_all = http.get("documents/", params={"orderBy": "sub_montant"})
    amounts = [d["attributes"]["sub_montant"]["value"] for d in data["documents"]]
    assert amounts == sorted(amounts, reverse=True)
    assert on_all.status_code == 500  # no reference family on documents/: a fatal error
    with api(dynacase) as http:
        unknown = http.get(f"families/{SUBV}/documents/", params={"orderBy": "nope"})
        spaced = http.get(f"families/{SUBV}/documents/", params={"orderBy": "title, revdate"})
    assert error_of(unknown)["code"] == "CRUD0502"
    assert error_of(spaced)["code"] == "CRUD0502"  # " revdate": the module does not trim


def test_numeric_family_redirects_and_unknown_family_is_404(dynacase):
    # docs/dynacase-api.md §5.1
    family_id = next(f for f in dynacase.control.families() if f["name"] == SUBV)["id"]
    with api(dynacase) as http:
        numeric = http.get(f"families/{family_id}/documents/")
        unknown = http.get("families/NOPE/documents/")
    assert numeric.status_code == 307
    assert numeric.reason_phrase == "This is an id request for a family"  # checkFamilyId
    assert numeric.headers["Location"].endswith(f"/families/{SUBV}/documents/")
    assert unknown.status_code == 404 and error_of(unknown)["code"] == "CRUD0200"
    # FamilyDocumentCollection names the family as a document: 'Document "NOPE" not found'.
    assert unknown.reason_phrase == "Family not found"
    assert error_of(unknown)["contentText"] == 'Document "NOPE" not found'


def test_slice_and_offset_are_phps_intval(dynacase):
    # docs/dynacase-api.md §5.2: a word is 0, never a refusal; ALL in any case is every document.
    with api(dynacase) as http:
        words = http.get("documents/", params={"slice": "many", "offset": "x"}).json()["data"]
        upper = http.get("documents/", params={"slice": "ALL"}).json()["data"]
        prefix = http.get("documents/", params={"slice": "3abc"}).json()["data"]
    assert words["documents"] == [] and words["requestParameters"]["slice"] == 0
    assert words["requestParameters"]["offset"] == 0
    assert upper["requestParameters"]["slice"] == "all" and len(upper["documents"]) > 10
    assert len(prefix["documents"]) == 3


# --- §8 ETags -----------------------------------------------------------------------------


def test_etag_and_304_on_a_document(dynacase):
    # docs/dynacase-api.md §8
    initid = first_document(dynacase)["properties"]["initid"]
    with api(dynacase) as http:
        first = http.get(f"documents/{initid}")
        etag = first.headers["ETag"]
        again = http.get(f"documents/{initid}", headers={"If-None-Match": etag})
        gzip = http.get(f"documents/{initid}", headers={"If-None-Match": etag[:-1] + '-gzip"'})
        bypass = http.get(
            f"documents/{initid}", headers={"If-None-Match": etag, "Cache-Control": "no-cache"}
        )
    assert first.headers["Cache-Control"] == "private, no-cache, must-revalidate"
    assert again.status_code == 304 and again.content == b""
    assert gzip.status_code == 304
    assert bypass.status_code == 200
    assert dynacase.control.stats()["not_modified"] == 2


def test_etag_changes_with_the_document_and_the_user(dynacase):
    # docs/dynacase-api.md §8
    created = dynacase.control.create_document(SUBV, "Concert solidaire")
    path = f"documents/{created['initid']}/workflows/states/"
    with api(dynacase) as admin, api(dynacase, "s.bernard") as sophie:
        admin_tag = admin.get(path).headers["ETag"]
        sophie_tag = sophie.get(path).headers["ETag"]
        dynacase.control.set_state(created["initid"], "e_sub_transmis")
        after = admin.get(path, headers={"If-None-Match": admin_tag})
    assert admin_tag != sophie_tag
    assert after.status_code == 200 and after.headers["ETag"] != admin_tag


def test_collections_have_no_etag(dynacase):
    # docs/dynacase-api.md §8
    with api(dynacase) as http:
        response = http.get("documents/")
    assert "ETag" not in response.headers


def test_properties_all_is_every_available_property_but_the_useless_ones(dynacase):
    # docs/dynacase-api.md §4.4: DocumentFormatter::addProperty("all").
    initid = first_document(dynacase)["properties"]["initid"]
    with api(dynacase) as http:
        doc = http.get(f"documents/{initid}", params={"fields": "document.properties.all"}).json()[
            "data"
        ]["document"]
        useless = http.get(f"documents/{initid}", params={"fields": "document.properties.svalues"})
        note = http.get(f"documents/{initid}", params={"fields": "document.properties.note"})
    shown = set(doc["properties"])
    assert {"allocated", "cvid", "viewController", "note", "affected", "status", "usage"} <= shown
    assert not shown & {"lockdomainid", "domainid", "svalues", "ldapdn", "comment", "classname"}
    assert error_of(useless)["code"] == "CRUD0202"  # useless: refused when named
    assert note.json()["data"]["document"]["properties"]["note"] == {"id": 0, "title": ""}
