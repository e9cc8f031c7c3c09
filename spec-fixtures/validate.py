#!/usr/bin/env python3
"""Check the fixtures against the runtime-spec JSON schema.

    python3 spec-fixtures/validate.py [--schema DIR] [-v]

* every configs/*.json MUST be valid against config-schema.json;
* every malformed/*.json must be listed exactly once in malformed/expected.txt
  (and every line there must name an existing file); for information the
  script prints whether each malformed file is caught by the schema alone or
  only by semantic checks (-v prints the schema's first error too).

Needs python3-jsonschema (Debian: apt-get install -y python3-jsonschema).
Exit status 0 when all checks pass.
"""
import json
import warnings
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    schema_dir = "/work/shared/runtime-spec/schema"
    verbose = False
    argv = sys.argv[1:]
    while argv:
        a = argv.pop(0)
        if a == "--schema" and argv:
            schema_dir = argv.pop(0)
        elif a == "-v":
            verbose = True
        else:
            print(__doc__, file=sys.stderr)
            return 2
    warnings.simplefilter("ignore", DeprecationWarning)
    try:
        import jsonschema
    except ImportError:
        print("validate.py: needs python3-jsonschema (apt-get install -y python3-jsonschema)", file=sys.stderr)
        return 2

    schema_path = os.path.join(schema_dir, "config-schema.json")
    with open(schema_path) as f:
        schema = json.load(f)
    # $refs in the schema are relative file names ("defs.json#/..."): resolve them
    # against the schema directory.
    base = "file://" + os.path.abspath(schema_dir) + "/"
    resolver = jsonschema.RefResolver(base, schema)
    cls = jsonschema.validators.validator_for(schema)
    validator = cls(schema, resolver=resolver)

    failed = False

    configs = sorted(f for f in os.listdir(os.path.join(HERE, "configs")) if f.endswith(".json"))
    for name in configs:
        path = os.path.join(HERE, "configs", name)
        try:
            with open(path) as f:
                doc = json.load(f)
        except ValueError as e:
            print(f"FAIL configs/{name}: invalid JSON: {e}")
            failed = True
            continue
        errs = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
        if errs:
            failed = True
            for e in errs:
                loc = "/".join(str(p) for p in e.absolute_path) or "(document)"
                print(f"FAIL configs/{name}: {loc}: {e.message}")
        else:
            print(f"ok   configs/{name}")

    mdir = os.path.join(HERE, "malformed")
    files = sorted(f for f in os.listdir(mdir) if f.endswith(".json"))
    expected = {}
    with open(os.path.join(mdir, "expected.txt")) as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            parts = line.split("\t")
            if len(parts) != 2 or not parts[1]:
                print(f"FAIL expected.txt:{n}: want 'FILE<TAB>SUBSTRING', got {line!r}")
                failed = True
                continue
            if parts[0] in expected:
                print(f"FAIL expected.txt:{n}: {parts[0]} listed twice")
                failed = True
            expected[parts[0]] = parts[1]
    for name in files:
        if name not in expected:
            print(f"FAIL malformed/{name}: not listed in expected.txt")
            failed = True
    for name in expected:
        if name not in files:
            print(f"FAIL expected.txt: {name}: no such file")
            failed = True

    for name in files:
        path = os.path.join(mdir, name)
        try:
            with open(path) as f:
                doc = json.load(f)
        except ValueError as e:
            print(f"     malformed/{name}: not JSON ({e})")
            continue
        errs = list(validator.iter_errors(doc))
        if errs:
            e = errs[0]
            loc = "/".join(str(p) for p in e.absolute_path) or "(document)"
            extra = f" -- {loc}: {e.message[:100]}" if verbose else ""
            print(f"     malformed/{name}: schema-invalid{extra}")
        else:
            print(f"     malformed/{name}: schema-valid (semantic check needed)")

    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
