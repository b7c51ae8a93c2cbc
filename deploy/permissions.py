"""What each function may touch: the one declarative permission map of every service.

Derived from the services' code (``services/*/app.py`` and ``chalicelib``), function by
function; each entry says why. A Lambda process builds its service's whole ``Deps`` on
the first invocation, so a function needs every lookup that wiring does (``GetQueueUrl``
of a task queue it never sends to), but only the actions its own handler performs.
``docs/DEPLOY.md``'s permission table is generated from this map
(``python -m deploy.permissions_table --write``).

Keys are Chalice function names: the decorated handler's name, ``api_handler`` for the
REST API.
"""

from __future__ import annotations

from deploy.grants import (
    Grant,
    baseline,
    consume,
    data_key,
    delay,
    invalidate,
    listing,
    look_up,
    objects,
    publish,
    read_secret,
    send,
    table,
)

FunctionGrants = tuple[Grant, ...]

UPLOAD: dict[str, FunctionGrants] = {
    # Routes: recipe records (create = 2 conditional puts in a transaction, list = the
    # tenant index, abort = update + delete), presigned PUT/part URLs signed with this
    # role (so it needs PutObject and the data key), multipart list/complete/abort, and
    # the CDN signing key for download URLs and edge credentials. Names: the names index
    # (Query, UpdateItem) and a name's version claims (Query, then BatchGetItem of their
    # recipes). Withdraw/restore note their command in the outbox (PutItem) and publish it.
    "api_handler": (
        *baseline(),
        publish(),
        table(
            "Recipes", ("GetItem", "BatchGetItem", "Query", "PutItem", "UpdateItem", "DeleteItem"), indexes=("gsi1",)
        ),
        objects(
            "Uploads",
            ("PutObject", "GetObject", "AbortMultipartUpload", "ListMultipartUploadParts"),
            ("incoming/*",),
        ),
        data_key(("GenerateDataKey", "Decrypt")),
        read_secret("CdnSigningSecretArn"),
    ),
    # S3 notifications: claim the recipe, read the object's version in ranges, tag it
    # with the verdict, publish recipe.validated / recipe.rejected.
    "validate": (
        *baseline(),
        *consume("UploadValidate"),
        publish(),
        table("Recipes", ("GetItem", "UpdateItem")),
        objects(
            "Uploads",
            ("GetObject", "GetObjectVersion", "PutObjectTagging", "PutObjectVersionTagging"),
            ("incoming/*",),
        ),
        data_key(("Decrypt",)),
    ),
    # Every lifecycle event projected onto the recipe's record, and onto the names index
    # (a name's version claims queried, its summary row updated); a withdrawn/restored
    # outcome deletes its command's outbox note.
    "track_status": (
        *baseline(),
        *consume("UploadStatus"),
        publish(),
        table("Recipes", ("GetItem", "BatchGetItem", "Query", "UpdateItem", "DeleteItem")),
    ),
    # Every minute: withdraw/restore commands still unconfirmed (the outbox partition) are
    # re-read with their recipe and published again, their note rewritten or deleted.
    "resend_commands": (
        *baseline(),
        publish(),
        table("Recipes", ("GetItem", "Query", "PutItem", "DeleteItem")),
    ),
}

SPLITTER: dict[str, FunctionGrants] = {
    # Plan once (conditional put of plans/<id>.json), fan chunk tasks out to the work queue.
    "split": (
        *baseline(),
        *consume("Splitter"),
        publish(),
        send("SplitterWork"),
        objects("Work", ("GetObject", "PutObject"), ("plans/*",)),
    ),
    # Ranged reads of the upload's version, one segment (and maybe a report) written.
    "process_chunk": (
        *baseline(),
        *consume("SplitterWork"),
        publish(),
        objects("Uploads", ("GetObject", "GetObjectVersion"), ("incoming/*",)),
        data_key(("Decrypt",)),
        objects("Work", ("PutObject",), ("segments/*", "reports/*"), sid="WorkOutputs"),
    ),
}

MERGER: dict[str, FunctionGrants] = {
    # Ledger transaction per chunk, lease updates; the archive assembled by multipart
    # (copying segment ranges), segments deleted after the commit, rejection reports. A
    # merger restarted after its upload completed adopts the archive it finds (HEAD, ranged
    # reads of that version): reading a key that may be missing needs ListBucket for a 404.
    "coordinate": (
        *baseline(),
        *consume("Merger"),
        delay("Merger"),  # lease contention is retried later by hiding the record (RetryLater)
        publish(),
        look_up("SplitterWork"),
        look_up("Merger"),
        table("Ledger", ("GetItem", "Query", "PutItem", "UpdateItem")),
        objects(
            "Work",
            ("GetObject", "GetObjectVersion", "DeleteObject"),
            ("segments/*",),
            sid="WorkSegments",
        ),
        objects("Work", ("GetObject", "PutObject"), ("reports/*",), sid="WorkReports"),
        objects("Artifacts", ("PutObject", "AbortMultipartUpload", "GetObject", "GetObjectVersion"), ("artifacts/*",)),
        listing("Artifacts"),
    ),
    # Scans open jobs; re-drives a plan to the merger queue, chunk tasks to the work
    # queue, or fails the recipe.
    "sweep": (
        *baseline(),
        publish(),
        send("SplitterWork"),
        send("Merger"),
        table("Ledger", ("Scan", "Query", "UpdateItem")),
    ),
}

DISTRIBUTOR: dict[str, FunctionGrants] = {
    # Pointer row + invalidation bookkeeping, latest.json written, one invalidation per
    # batch; a throttled invalidation is retried by changing the message's visibility.
    # Withdraw/restore: a name's versions queried, latest.json deleted when none is live.
    # BatchGetItem: the local stage's fault budgets read in one request (chalicelib.fault_budgets).
    "distribute": (
        *baseline(),
        *consume("Distributor"),
        delay("Distributor"),
        publish(),
        table("Distribution", ("GetItem", "BatchGetItem", "PutItem", "UpdateItem", "Query")),
        objects("Artifacts", ("PutObject", "DeleteObject"), ("artifacts/*/latest.json",)),
        invalidate(),
    ),
}

PERMISSIONS: dict[str, dict[str, FunctionGrants]] = {
    "upload": UPLOAD,
    "splitter": SPLITTER,
    "merger": MERGER,
    "distributor": DISTRIBUTOR,
}
"""Service -> Chalice function name -> grants."""

SERVICES: tuple[str, ...] = tuple(PERMISSIONS)


def grants_of(service: str, function: str) -> FunctionGrants:
    """The grants of one function.

    Raises
    ------
    KeyError
        For a function the map does not declare: packaging refuses to guess its rights.
    """
    try:
        return PERMISSIONS[service][function]
    except KeyError:
        raise KeyError(f"deploy/permissions.py declares no permissions for {service}.{function}") from None
