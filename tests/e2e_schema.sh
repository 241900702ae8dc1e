#!/bin/sh
# e2e_schema.sh BINARY SOURCE_DIR — a real small run (a cpu cell and an echo
# cell, one rep each) and a compare of it, every JSON file checked against
# results/SCHEMA.md: the machine-readable `concbench-schema` block of each
# section (every listed field present with its type; fields not listed are
# allowed, so new fields need no change here), and each section's table
# naming exactly its block's fields, so the page and the files cannot drift.
# Then the validator is shown to fail: a copy of the page with a field that
# no file has, and a file with a field of the wrong type.
. "$(dirname "$0")/lib.sh"
need python3 "to validate the files"

timeout 60 "$BIN" run --runtime epoll --workload cpu,echo --set tasks=2 --set work=200 \
	--set conns=2 --set requests=50 --reps 2 --out r >"$T/out" 2>"$T/err" ||
	die "the run failed: $(tail -3 "$T/err")"
CONCBENCH_PLOTS=/nonexistent "$BIN" compare r r --out c >"$T/out" 2>"$T/err"
[ -s c/compare.json ] || die "compare wrote no compare.json: $(cat "$T/err")"

cat >validate.py <<'PY'
import json, re, sys
doc, folder = sys.argv[1], sys.argv[2]
text = open(doc).read()
blocks = re.findall(r"```json concbench-schema\n(.*?)```", text, re.S)
assert len(blocks) == 5, f"{doc}: {len(blocks)} concbench-schema blocks, want 5"
# Each section: its table's `field` cells and its block, in order.
sections = re.split(r"\n## ", text)[1:]
errors = []
KINDS = {"string": str, "boolean": bool, "object": dict, "array": list, "null": type(None)}
def is_type(v, types):
    for t in types.split("|"):
        if t == "integer" and isinstance(v, int) and not isinstance(v, bool):
            return True
        if t == "number" and isinstance(v, (int, float)) and not isinstance(v, bool):
            return True
        if t in KINDS and isinstance(v, KINDS[t]):
            return True
    return False
def values(obj, path):
    # every value at path ("a.b", "rows[].n"); a missing key yields KeyError
    head, _, rest = path.partition(".")
    if head.endswith("[]"):
        items = obj[head[:-2]]
        out = []
        for it in items:
            out += values(it, rest)
        return out
    if not rest:
        return [obj[head]]
    return values(obj[head], rest)
for sec in sections:
    m = re.search(r"```json concbench-schema\n(.*?)```", sec, re.S)
    if not m:
        continue
    spec = json.loads(m.group(1))
    documented = set(re.findall(r"^\| `([^`]+)` \|", sec, re.M))
    listed = set(spec["fields"]) | set(spec.get("optional", {}))
    if documented != listed:
        errors.append(f"{spec['file']}: the table and the block differ: "
                      f"{sorted(documented ^ listed)}")
    path = f"{folder}/{spec['file']}" if spec["file"] != "compare.json" else sys.argv[3]
    if spec.get("lines"):
        docs = [json.loads(l) for l in open(path) if l.strip()]
    else:
        docs = [json.load(open(path))]
    assert docs, f"{path}: empty"
    for i, d in enumerate(docs):
        where = f"{path}" + (f":{i + 1}" if spec.get("lines") else "")
        if d.get("schema") != spec["schema"] or d.get("schema_version") != spec["schema_version"]:
            errors.append(f"{where}: schema {d.get('schema')!r} {d.get('schema_version')!r}, "
                          f"want {spec['schema']!r} {spec['schema_version']!r}")
        for field, types in list(spec["fields"].items()) + list(spec.get("optional", {}).items()):
            required = field in spec["fields"]
            try:
                vs = values(d, field)
            except (KeyError, TypeError):
                # a missing key, or a parent that is null
                if required:
                    errors.append(f"{where}: no field {field}")
                continue
            for v in vs:
                if not is_type(v, types):
                    errors.append(f"{where}: {field} is {type(v).__name__} {v!r:.40}, want {types}")
                    break
for e in errors[:20]:
    print(e, file=sys.stderr)
sys.exit(1 if errors else 0)
PY
python3 validate.py "$SRC/results/SCHEMA.md" r c/compare.json ||
	fail "the files of a real run do not match results/SCHEMA.md"
# The run had both kinds of line: a client's (echo) and none (cpu).
grep -q '"client_cpu_user_ns":[0-9]' r/results.jsonl && grep -q '"client_cpu_user_ns":null' r/results.jsonl ||
	fail "the run should have cells with and without a client"

# ---- the validator can fail ----
# A documented field no file has (in the block and the table alike).
sed -e 's/"fields": {"schema": "string", "schema_version": "integer", "status": "string",/&\n  "no_such_field": "string",/' \
	-e 's/^| `status` | string |/| `no_such_field` | string | | a field never written |\n&/' \
	"$SRC/results/SCHEMA.md" >extra.md
python3 validate.py extra.md r c/compare.json 2>"$T/err" && fail "a missing required field passed"
grep -q "run.json: no field no_such_field" "$T/err" || fail "the missing field is not named: $(cat "$T/err")"
# A table and a block that disagree.
sed 's/^| `cells_limited` |/| `cells_limitd` |/' "$SRC/results/SCHEMA.md" >drift.md
python3 validate.py drift.md r c/compare.json 2>"$T/err" && fail "a table out of step with its block passed"
grep -q "run.json: the table and the block differ" "$T/err" || fail "the drift is not named: $(cat "$T/err")"
# A field of the wrong type, and a line without its schema.
cp -r r w
sed -i 's/"cells_done": \([0-9]*\)/"cells_done": "\1"/' w/run.json
sed -i '1s/"schema":"concbench.results",//' w/results.jsonl
python3 validate.py "$SRC/results/SCHEMA.md" w c/compare.json 2>"$T/err" && fail "a wrong type passed"
grep -q "run.json: cells_done is str" "$T/err" || fail "the wrong type is not named: $(cat "$T/err")"
grep -q "results.jsonl:1: schema None" "$T/err" || fail "the line without a schema is not named"

# --resume still reads lines carrying the schema fields: nothing to run.
timeout 60 "$BIN" run --resume r >"$T/out" 2>"$T/err" || fail "--resume of the run failed: $(cat "$T/err")"
grep -q "0 to run" "$T/err" "$T/out" || fail "--resume did not find every cell done"

finish "ok"
