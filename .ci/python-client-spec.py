"""The OpenAPI document as openapi-python-client needs it: where a token is
optional (`security: [{}, {"bearer": []}]`), no security, because that
generator takes any non-empty list to mean a token is required
(openapi-generators/openapi-python-client#1372). Usage: IN OUT."""

import json
import sys

source, target = sys.argv[1], sys.argv[2]
with open(source, encoding="utf-8") as file:
    document = json.load(file)
for item in document["paths"].values():
    for operation in item.values():
        if isinstance(operation, dict) and {} in operation.get("security", []):
            operation["security"] = []
with open(target, "w", encoding="utf-8") as file:
    json.dump(document, file)
