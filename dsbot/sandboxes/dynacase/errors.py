"""Dynacase's error answers: status, reason phrase, the envelope (docs/dynacase-api.md §2.2, §2.3).

An `ApiError` carries what the real server puts in its envelope: the `code` and `contentText` of
the error message, and `exceptionMessage` (the developer's text, without the code prefix).
"""

from __future__ import annotations

from typing import Any

ERROR_ID = "DCP-SANDBOX"  # LogException's error id; a real server logs under a random one
API_INFO_TEXT = "You can consult ?app=HTTPAPI_V1 to have info on the API"


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


def route_not_found() -> ApiError:
    return ApiError(404, "Route not found", "API0004", "Route not found", api_level=True)


def not_authenticated() -> ApiError:
    # No code: the authenticator refuses before any API class runs.
    return ApiError(403, "Forbidden", None, "User must be authenticated")


def document_not_found(ref: str) -> ApiError:
    return ApiError(404, "Document not found", "CRUD0200", f'Document "{ref}" not found')


def malformed_name(ref: str) -> ApiError:
    """DocManager::getIdFromName's exception for a name of the wrong syntax, which the router
    answers as any `Dcp Exception`: 400, the error id before the text."""
    text = f'{{APIDM0101}} Logical name syntax: not alphanum string "{ref}"'
    return ApiError(
        400, "Dcp Exception", "APIDM0101", f"[{ERROR_ID}] {text}", exception_message=text
    )


def bad_request(text: str, code: str = "API0001") -> ApiError:
    return ApiError(400, "Bad Request", code, text, api_level=code.startswith("API"))


def method_not_allowed(method: str, what: str) -> ApiError:
    return ApiError(405, "Method Not Allowed", "CRUD0103", f"Method {method} not allowed on {what}")
