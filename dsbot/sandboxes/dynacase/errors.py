"""Dynacase's error answers: status, reason phrase, the envelope (docs/dynacase-api.md §2.2, §2.3).

An `ApiError` carries what the real server puts in its envelope: the `code` and `contentText` of
the error message, and `exceptionMessage` (the developer's text, without the code prefix).
"""

from __future__ import annotations

from typing import Any

ERROR_ID = "DCP-SANDBOX"  # LogException's error id; a real server logs under a random one
API_INFO_TEXT = "You can consult ?app=HTTPAPI_V1 to have info on the API"


# The module's error texts, word for word (HTTPAPI_V1/Class/Api/Exception.php and
# Class/Crud/Exception.php of dynacase-httpapi-v1 1.0.5): `contentText` is the template filled in.
TEXTS = {
    "API0004": "The URL %s is not compatible with the ressources of the API",
    "API0005": "Unable to return the type %s",
    "API0007": 'No compatible http method  "%s" ',
    "API0008": 'Override http method "%s" not allowed for "%s" /  ',
    "CRUD0103": 'Action "%s" is not usable',
    "CRUD0200": 'Document "%s" not found',
    "CRUD0202": 'Document property fields "%s" not known',
    "CRUD0203": 'Family "%s" not found',
    "CRUD0208": 'Record fail. Content page is not a json : "%s" //  example : '
    '{"document":{"attributes":{"attributeId" : {"value" : "newValue"}}}}',
    "CRUD0214": 'Document fields "%s" not known',
    "CRUD0220": 'Document "%s" is not a document of the family "%s"',
    "CRUD0227": 'No associated workflow for document "%s"',
    "CRUD0228": 'State "%s" is not available for  workflow "%s" (%d)',
    "CRUD0229": 'transition "%s" is not available for  workflow "%s" (%d)',
    "CRUD0235": 'Destination state is not defined for workflow "%s" (%d)',
    "CRUD0400": 'Enum "%s" not exists in family "%s"',
    "CRUD0401": 'Attribute "%s" is not an enum (type "%s") in family "%s"',
    "CRUD0402": 'Filter operateur "%s" not available. Availables are "%s"',
    "CRUD0501": 'The sort direction must be desc or asc (not "%s")',
    "CRUD0502": 'The required field must be an attribute with value or a property (not "%s")',
    "CRUD0507": "The required field must not be a structured attribute : "
    'not "%s" (%s) - type : "%s"',
}
# Api\Exception and Crud\Exception's status when the code sets none.
DEFAULT_STATUS = (400, "Dcp Exception")


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        reason: str,
        code: str | None,
        content_text: str,
        *,
        exception_message: str | None = None,
        api_level: bool = False,
    ) -> None:
        super().__init__(content_text)
        self.status = status
        self.reason = reason
        self.code = code
        self.content_text = content_text
        self.exception_message = exception_message or content_text
        # Router and API0xxx errors get a second, `debug` message pointing at the API's help.
        self.api_level = api_level
        self.uri: str | None = None  # the canonical URL a 307 names in its message

    def envelope(self) -> dict[str, Any]:
        message: dict[str, Any] = {"type": "error", "contentText": self.content_text}
        if self.code:
            message["code"] = self.code
        if self.uri:
            message["uri"] = self.uri
        messages = [message]
        if self.api_level:
            messages.append(
                {
                    "type": "debug",
                    "contentText": API_INFO_TEXT,
                    "contentHtml": '<a href="?app=HTTPAPI_V1">HTTPAPI_V1</a>',
                }
            )
        return {
            "success": False,
            "messages": messages,
            "data": None,
            "exceptionMessage": self.exception_message,
        }


def dcp_error(
    code: str,
    *args: object,
    status: tuple[int, str] = DEFAULT_STATUS,
    api_level: bool = False,
) -> ApiError:
    """An `Api\\Exception` (api_level) or `Crud\\Exception` with the module's own text."""
    return ApiError(status[0], status[1], code, TEXTS[code] % args, api_level=api_level)


def route_not_found(path: str) -> ApiError:
    """Router::identifyCRUD: the path after `/api/v1`, its format suffix removed."""
    return dcp_error("API0004", path, status=(404, "Route not found"), api_level=True)


def not_authenticated() -> ApiError:
    # No code: the authenticator refuses before any API class runs.
    return ApiError(403, "Forbidden", None, "User must be authenticated")


def document_not_found(ref: str) -> ApiError:
    return dcp_error("CRUD0200", ref, status=(404, "Document not found"))


def malformed_name(ref: str) -> ApiError:
    """DocManager::getIdFromName's exception for a name of the wrong syntax."""
    return dcp_exception("APIDM0101", f'Logical name syntax: not alphanum string "{ref}"')


def bad_request(text: str, code: str = "API0001") -> ApiError:
    return ApiError(*DEFAULT_STATUS, code, text, api_level=code.startswith("API"))


_CRUD = "Dcp\\HttpApi\\V1\\Crud\\"
# What each CRUD class answers to a verb it refuses: CRUD0103 names the PHP method (__METHOD__),
# the status line says why (the classes' create/update/delete in dynacase-httpapi-v1 1.0.5).
VERB_REFUSALS: dict[str, dict[str, tuple[str, int, str]]] = {
    "collection": {
        "POST": (
            "DocumentCollection::create",
            405,
            "You need to use the family collection to create document",
        ),
        "PUT": ("DocumentCollection::update", 405, "You cannot update all the documents"),
        "DELETE": ("DocumentCollection::delete", 405, "You cannot delete all the documents."),
    },
    "family": {
        "POST": ("Document::create", 405, "You cannot create a document with an ID"),
        "PUT": ("Family::update", 405, "You cannot update a family"),
        "DELETE": ("Family::delete", 405, "You cannot delete a family with the API"),
    },
    "enumerate": {
        verb: (f"Enumerates::{crud}", 501, "No yet implemented")
        for verb, crud in (("POST", "create"), ("PUT", "update"), ("DELETE", "delete"))
    },
    "history": {
        "POST": ("History::create", 501, "Not yet implemented"),
        "PUT": ("History::update", 405, "You cannot change history"),
        "DELETE": ("History::delete", 405, "You cannot delete history"),
    },
    "states": {
        "POST": ("WorkflowStateCollection::create", 405, "You cannot create state list"),
        "PUT": ("WorkflowStateCollection::update", 405, "You cannot change state list"),
        "DELETE": ("WorkflowStateCollection::delete", 405, "You cannot delete state list"),
    },
    "state": {
        "PUT": ("WorkflowState::update", 405, "You cannot change state"),
        "DELETE": ("WorkflowState::delete", 405, "You cannot delete state"),
    },
}
VERB_REFUSALS["transitions"] = VERB_REFUSALS["states"]  # the collection of transitions inherits
VERB_REFUSALS["transition"] = VERB_REFUSALS["state"]  # WorkflowTransition extends WorkflowState


def method_not_allowed(method: str, resource: str) -> ApiError:
    """A verb the resource refuses, as its CRUD class words it; a verb the module accepts but
    the sandbox does not implement (editing a document) is a plain 501."""
    refusal = VERB_REFUSALS.get(resource, {}).get(method)
    if refusal is None:
        return ApiError(
            501, "Not Implemented", "CRUD0103", f"{method} {resource}: not in the sandbox"
        )
    crud_method, status, reason = refusal
    return dcp_error("CRUD0103", _CRUD + crud_method, status=(status, reason))


def fatal_error(text: str) -> ApiError:
    """What apiRouter.php's shutdown function answers for a PHP fatal error."""
    return ApiError(500, "Dynacase Fatal Error", None, f"[{ERROR_ID}] {text}")


def dcp_exception(code: str, text: str) -> ApiError:
    """A `\\Dcp\\Exception` that is no API class's (DocManager's, the core's): the router answers
    400 "Dcp Exception", the error id before the coded text (apiRouter.php)."""
    coded = f"{{{code}}} {text}"
    return ApiError(*DEFAULT_STATUS, code, f"[{ERROR_ID}] {coded}", exception_message=coded)
