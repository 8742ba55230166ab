"""What the Slack layer needs from a backend, whatever the backend (DS, Dynacase, …).

An *item* is what a team follows (a DS dossier, a Dynacase document): it has a title, a kind
(démarche, family), a state with a label and a colour, a recent history, and *actions* a given
person may take on it now, each asking for typed *inputs*. A backend reads items, lists and
performs actions as one person, and tells what changed since a moment.

The Slack builders take these types for what every backend shares (state, actions, history,
inputs: `dsbot/slack/presentation/blocks/parts.py`, `inputs.py`, `item.py`,
`action_form.py`), so a new backend is a folder under `dsbot/backends/` implementing `Backend`
and `ItemSource`, a
`FeedSource` for what changed, and registered in `dsbot/backends/registry.py`.
Values that cross into Slack (button values, modal metadata) use `to_json`/`from_json`.

Not every backend can do everything: what only some can (annotations, labels, messages, file
attachments, following an item) is a `runtime_checkable` capability protocol that a source
implements or not; a caller asks `isinstance(source, Messaging)` rather than the backend's name.
Errors are the root's (`dsbot/backends/errors.py`): BackendNotFound, BackendRefused, …
"""

from dsbot.backends.port.annotations import (
    ANNOTATION_INPUT_KINDS,
    AnnotationChange,
    AnnotationDescriptor,
    AnnotationEdits,
    AnnotationScalar,
    AnnotationSheet,
    AnnotationType,
    EditResult,
    TypedAnnotation,
    fingerprint,
)
from dsbot.backends.port.capabilities import (
    Annotations,
    Attachments,
    Follow,
    ItemAnnotation,
    ItemLabel,
    Labels,
    MessageRemoval,
    Messaging,
    Primed,
    Reassign,
    StateMoves,
)
from dsbot.backends.port.feed import Change, ChangeClassifier, FeedBatch, FeedCursor, FeedSource
from dsbot.backends.port.followers import Followers
from dsbot.backends.port.items import (
    ActionForm,
    ActionInput,
    ActionRequest,
    ActionResult,
    ActionStyle,
    Backend,
    BackendName,
    DossierState,
    HistoryEntry,
    InputKind,
    InputOption,
    InputValue,
    Item,
    ItemAction,
    ItemSource,
    ItemState,
    admit_name,
    forget_name,
)
from dsbot.backends.port.observer import RequestObserver
from dsbot.backends.port.summaries import DossierSummary
from dsbot.backends.port.views import (
    DetailDate,
    DetailField,
    DetailNotice,
    ItemDetail,
    ItemPerson,
    QuotedText,
)

__all__ = [
    "ANNOTATION_INPUT_KINDS",
    "ActionForm",
    "ActionInput",
    "ActionRequest",
    "ActionResult",
    "ActionStyle",
    "AnnotationChange",
    "AnnotationDescriptor",
    "AnnotationEdits",
    "AnnotationScalar",
    "AnnotationSheet",
    "AnnotationType",
    "Annotations",
    "Attachments",
    "Backend",
    "BackendName",
    "Change",
    "ChangeClassifier",
    "DetailDate",
    "DetailField",
    "DetailNotice",
    "DossierState",
    "DossierSummary",
    "EditResult",
    "FeedBatch",
    "FeedCursor",
    "FeedSource",
    "Follow",
    "Followers",
    "HistoryEntry",
    "InputKind",
    "InputOption",
    "InputValue",
    "Item",
    "ItemAction",
    "ItemAnnotation",
    "ItemDetail",
    "ItemLabel",
    "ItemPerson",
    "ItemSource",
    "ItemState",
    "Labels",
    "MessageRemoval",
    "Messaging",
    "Primed",
    "QuotedText",
    "Reassign",
    "RequestObserver",
    "StateMoves",
    "TypedAnnotation",
    "admit_name",
    "fingerprint",
    "forget_name",
]
