"""The audit's collector on azsim: the inventory of a small stack, as the deployer and as the auditor (Reader)."""

import json


def test_audit_inventory(run_target, tmp_path):
    extra = {"audit_dest_dir": str(tmp_path)}
    run_target("audit_inventory", extra_vars=extra)
    inventory = json.loads((tmp_path / "inventory.json").read_text())
    n = len(inventory["resources"])
    calls = inventory["calls"]
    print(f"\naudit_inventory on the target's stack: {n} resources, {calls['total']} ARM calls, {calls['total'] / n:.2f} per resource, "
          f"throttled {calls['throttled']}")
    for kind, count in sorted(calls["by_type"].items(), key=lambda x: -x[1]):
        print(f"  {count:4d}  {kind}")
    run_target("audit_inventory", principal="auditor",
               extra_vars=dict(extra, audit_phase="reader", audit_stack_prefix="it-audit-inventory-proxy"))
