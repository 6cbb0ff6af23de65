"""The step benchmark's result as a text table, and any result as a JSON file."""

from __future__ import annotations


def format_step_table(result):
    """The result of ``steps.step_benchmark`` as a text table: one row per (case, variant)."""
    s = result["settings"]
    head = (f"Training steps per second on {result['device']['cuflow']} "
            f"({result['device']['name']}); {s['steps']} steps x {s['rounds']} round(s) after "
            f"{s['warmup']} warm-up, {s['timer']}, {s['statistic']}")
    lines = [head]
    for c in result["cases"]:
        lines.append(f"  {c['name']}: {c['description']}")
    cols = (f"{'case':<18} {'variant':<17} {'steps/s':>10} {'spread':>17} {'µs/step':>11} "
            f"{'vs torch eager':>15} {'vs torch graph':>15}  note")
    lines += ["", cols, "-" * len(cols)]

    def ratio(v):
        return f"{v:.2f}x" if v is not None else "-"

    def spread(row):  # the slowest and fastest round, steps/s
        rates = row.get("round_steps_per_s") or []
        return f"{min(rates):,.1f}-{max(rates):,.1f}" if len(rates) > 1 else "-"

    for row in result["rows"]:
        lead = f"{row['case']:<18} {row['variant']:<17} "
        if row["status"] == "skipped":
            lines.append(lead + f"skipped: {row['reason']}")
        elif row["status"] == "error":
            lines.append(lead + f"ERROR: {row['error']}")
        else:
            lines.append(lead + f"{row['steps_per_s']:>10,.1f} {spread(row):>17} "
                                f"{row['us_per_step']:>11,.1f} "
                                f"{ratio(row['vs_torch_eager']):>15} "
                                f"{ratio(row['vs_torch_cuda_graph']):>15}"
                                + (f"  {row['note']}" if row.get("note") else ""))
    if result["comparisons"]:
        lines.append("")
        for c in result["comparisons"]:
            lines.append(f"{c['case']} over {c['baseline']}, {c['variant']}: {c['ratio']:.2f}x")
    for note in result["notes"]:
        lines.append(f"note: {note}")
    status = [row["status"] for row in result["rows"]]
    lines.append(f"rows: {status.count('ok')} measured, {status.count('skipped')} skipped, "
                 f"{status.count('error')} errors")
    return "\n".join(lines)


def write_json(result, path):
    """Write ``result`` as JSON to ``path`` atomically (temp file, fsync, rename)."""
    import json

    from cuflow.saving.archive import atomic_write

    data = json.dumps(result, indent=2, default=str).encode()
    atomic_write(path, lambda f: f.write(data))
