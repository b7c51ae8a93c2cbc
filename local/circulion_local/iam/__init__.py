"""IAM enforced locally: the emulator checks every request against the caller's role.

* the patches below go through the emulator's one registry
  (:mod:`circulion_local.emulator.patches`): written against one moto version, checked
  (with the attributes they replace) before patching; installed by
  :func:`circulion_local.emulator.server.install_front`.
* :mod:`.enforcement` — authenticate and authorize every request (moto's IAM access control,
  with the local admin key as the account's root, expiring session credentials, presigned URLs).
* :mod:`.resource_arns` — the resource each request acts on (moto uses ``*`` for SNS, KMS,
  Secrets Manager, CloudFront) and IAM's action names for batch operations.
* :mod:`.dynamodb_front` — DynamoDB requests authorized in the front process (WSGI middleware), which owns
  IAM's state, before they are forwarded to the DynamoDB process (table and index ARNs,
  one check per item of a transaction).
* :mod:`.denials` — AccessDenied answers naming the action and the resource, per protocol.
* :mod:`.roles`, :mod:`.sessions` — the runtime's side: one role per function from
  ``deploy/permissions.py``, and the temporary credentials each process runs with.
"""
