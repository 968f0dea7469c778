"""Prints "<passed> <failed>" for a Deno JUnit report, counting leaf tests only.

Deno reports a `describe` group and each of its `it` steps as test cases; a
group is not a test of its own, so only cases that contain no other case count.
"""
import sys
import xml.etree.ElementTree as ET

cases = ET.parse(sys.argv[1]).getroot().iter("testcase")
results = {case.get("name"): case.find("failure") is not None or case.find("error") is not None for case in cases}
leaves = [name for name in results if not any(other.startswith(name + " > ") for other in results)]
failed = sum(results[name] for name in leaves)
print(len(leaves) - failed, failed)
