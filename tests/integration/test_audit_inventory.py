"""The audit's collector on azsim: the inventory of a small stack, as the deployer and as the auditor (Reader)."""

import json

DEFAULT_LIMITS = {"reads": {"capacity": 250, "refill_per_second": 25}, "writes": {"capacity": 200, "refill_per_second": 10},
                  "deletes": {"capacity": 200, "refill_per_second": 10}}


def test_audit_inventory(run_target, azsim, tmp_path):
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
    # A read bucket smaller than the collection: the workers pace themselves on the remaining-reads header.
    azsim.admin("PUT", "throttling", {"limits": {"reads": {"capacity": 45, "refill_per_second": 25}}})
    try:
        run_target("audit_inventory", extra_vars=dict(extra, audit_phase="paced"))
    finally:
        azsim.admin("PUT", "throttling", {"limits": DEFAULT_LIMITS})
    paced = json.loads((tmp_path / "paced.json").read_text())
    print(f"under a 45-read bucket: {paced['calls']['total']} calls, throttled {paced['calls']['throttled']}, "
          f"paused {paced['calls']['paused_seconds']} s")
