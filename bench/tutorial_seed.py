"""The public tutorial's per-row code, transcribed (docs/metrics.md "Seed-compatible numbers"): the one copy.

test/fixtures/make_rows.py writes the fixtures' reference numbers (rows/*.seed.json) with it, and the scan bench's
CPython baseline (bench/scan_tutorial.py) runs it over a whole parquet file. Standard-library Python 3 only.
"""

import json, re

CALL = re.compile(r'<tool_call>\s*(\{.*?\})\s*</tool_call>', re.DOTALL)
THINK = re.compile(r'<think>(.*?)</think>', re.DOTALL)
RESP = re.compile(r'<tool_response>(.*?)</tool_response>', re.DOTALL)
def seed(r):
    convs = r['conversations'] or []
    names, widths, thoughts, lengths = [], [], [], []
    has_error = False
    for m in convs:
        if not isinstance(m, dict): continue
        if m.get('from') == 'gpt':
            found = CALL.findall(m['value'])
            thoughts.append(len(THINK.findall(m['value'])))
            if found: widths.append(len(found))
            for c in found:
                try:
                    obj = json.loads(c); names.append(obj.get('name', '<malformed>') if isinstance(obj, dict) else '<malformed>'); lengths.append(len(json.dumps(obj)))
                except json.JSONDecodeError:
                    names.append('<malformed>')
        if m.get('from') == 'tool':
            mm = RESP.search(m['value'])
            if mm:
                try: content = json.loads(mm.group(1))
                except json.JSONDecodeError: content = mm.group(1)
            else: content = m['value']
            s = json.dumps(content).lower()
            if 'error' in s or '"exit_code": 1' in s or 'traceback' in s: has_error = True
    return {"turns": len(convs), "toolCalls": names, "parallelWidths": widths, "thoughtsPerTurn": thoughts, "callLengths": lengths, "hasError": has_error}
