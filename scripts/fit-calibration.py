#!/usr/bin/env python3
"""Fits the performance model's efficiency factors (data/calibration/<accelerator>.yaml).

Accelerators built on the same compute die share their compute factors (gemm, moe_gemm,
attention): H100 and H200 are both GH100, B200 and GB200 both Blackwell. Each accelerator keeps
its own memory and step_overhead factors. For each family with rows in
data/reference/published.yaml, a coordinate descent on a multiplicative grid minimises the mean
squared log error of the family's rows plus a weak pull toward physical priors (so that a factor
no row constrains stays near its prior). One set per accelerator and op class, never per row.
Members without published rows get the family's compute factors and the mean of its memory and
overhead factors, marked `estimated:` with the rows they come from.

  scripts/fit-calibration.py build/aiinfra            # fit and rewrite data/calibration/
  scripts/fit-calibration.py build/aiinfra --dry-run  # print the fit only
  scripts/fit-calibration.py build/aiinfra --loo      # leave-one-out: refit without each row
                                                      # and predict it (out-of-sample errors)
"""
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Priors and bounds: shares of peak a well-tuned kernel reaches on current hardware.
FACTORS = {
    "gemm": (0.70, 0.30, 0.90),
    "moe_gemm": (0.55, 0.10, 0.90),
    "attention": (0.50, 0.20, 0.85),
    "memory": (0.80, 0.55, 0.92),
    "step_overhead": (0.001, 0.0002, 0.012),
}
PRIOR_WEIGHT = 0.02
COMPUTE = ["gemm", "moe_gemm", "attention"]
FAMILIES = {
    "GH100 (Hopper)": ["h100-sxm", "h200-sxm", "h800-sxm", "h20"],
    "GB100/GB202 (Blackwell)": ["b200", "gb200", "gb300"],
    "CDNA 3/4": ["mi325x", "mi300x", "mi355x"],
    "Ascend 910C": ["ascend-910c"],
}


def write(dirname, accelerator, values, provenance):
    """provenance[name] is a list of row ids (fitted_on) or a string (estimated)."""
    lines = [
        f"# Efficiency factors of {accelerator} for the performance model; written by",
        "# scripts/fit-calibration.py (data/calibration/README.md explains the procedure).",
        f"accelerator: {accelerator}",
    ]
    for name in FACTORS:
        v = values[name]
        text = f"{v * 1e3:.3f}ms" if name == "step_overhead" else f"{v:.3f}"
        p = provenance[name]
        if isinstance(p, list):
            lines.append(f"{name}: {{value: {text}, fitted_on: [{', '.join(p)}]}}")
        else:
            lines.append(f'{name}: {{value: {text}, estimated: "{p}"}}')
    with open(os.path.join(dirname, f"{accelerator}.yaml"), "w") as f:
        f.write("\n".join(lines) + "\n")


def placeholder(values):
    return {k: ["x"] for k in values}


EXCLUDED = set()  # rows held out (leave-one-out)


def errors(binary, overlay, accelerator, held_out=False):
    out = subprocess.run([binary, "--data", overlay, "perf", "validate", "--filter", accelerator,
                          "-o", "json"], capture_output=True, text=True)
    if out.returncode != 0:
        return None
    # Rows marked known_miss are reported by `perf validate` but left out of the fit.
    rows = [r for r in json.loads(out.stdout)["rows"] if not r["known_miss"]]
    if held_out:
        return {r["id"]: r["error"] for r in rows if r["id"] in EXCLUDED}
    return {r["id"]: r["error"] for r in rows if r["id"] not in EXCLUDED}


def loss(errs, values):
    if errs is None or not errs:
        return float("inf")
    fit = sum(math.log(1 + e) ** 2 for e in errs.values()) / len(errs)
    prior = sum(math.log(values[k] / FACTORS[k][0]) ** 2 for k in FACTORS)
    return fit + PRIOR_WEIGHT * prior


def main():
    binary = sys.argv[1]
    if "--loo" in sys.argv:
        return leave_one_out(binary)
    fit_all(binary, dry="--dry-run" in sys.argv)


def leave_one_out(binary):
    """Refits each family without one of its rows and predicts that row: the error the model
    makes on a result it was not fitted on."""
    rows = json.loads(subprocess.run([binary, "perf", "validate", "-o", "json"],
                                     capture_output=True, text=True, check=True).stdout)["rows"]
    hw = {s["id"]: s for s in json.loads(subprocess.run(
        [binary, "hw", "list", "-o", "json"], capture_output=True, text=True,
        check=True).stdout)["systems"]}
    errs = []
    for r in rows:
        if r["known_miss"]:
            continue
        EXCLUDED.clear()
        EXCLUDED.add(r["id"])
        held = fit_all(binary, dry=True, quiet=True, held_out=r["id"])
        if held is None:
            print(f"{r['id']}: its family has no other row; not predictable out of sample")
            continue
        errs.append(abs(held))
        print(f"{r['id']}: in-sample {100 * r['error']:+.1f}%, left out {100 * held:+.1f}%")
    errs.sort()
    n = len(errs)
    median = errs[n // 2] if n % 2 else (errs[n // 2 - 1] + errs[n // 2]) / 2
    print(f"leave-one-out median absolute error {100 * median:.1f}% over {n} rows; "
          f"{sum(e <= 0.25 for e in errs)} within 25%")


def fit_all(binary, dry, quiet=False, held_out=None):
    overlay = tempfile.mkdtemp()
    caldir = os.path.join(overlay, "calibration")
    os.makedirs(caldir)
    for f in os.listdir(os.path.join(ROOT, "data", "calibration")):
        shutil.copy(os.path.join(ROOT, "data", "calibration", f), caldir)
    results = {}
    held_error = None
    for family, members in FAMILIES.items():
        # Parameters: the family's compute factors, and memory/overhead per member with rows.
        params = {k: FACTORS[k][0] for k in COMPUTE}
        rows_of = {}
        for acc in members:
            write(caldir, acc, {k: v[0] for k, v in FACTORS.items()}, placeholder(FACTORS))
            errs = errors(binary, overlay, acc)
            if errs:
                rows_of[acc] = sorted(errs)
                params[f"{acc}:memory"] = FACTORS["memory"][0]
                params[f"{acc}:step_overhead"] = FACTORS["step_overhead"][0]
        if not rows_of:
            continue

        def values_for(acc, p):
            return {k: p[k] if k in COMPUTE else p[f"{acc}:{k}"] for k in FACTORS}

        def family_loss(p):
            total, count, prior = 0.0, 0, 0.0
            for acc in rows_of:
                write(caldir, acc, values_for(acc, p), placeholder(FACTORS))
            for acc in rows_of:
                errs = errors(binary, overlay, acc)
                if errs is None:
                    return float("inf")
                total += sum(math.log(1 + e) ** 2 for e in errs.values())
                count += len(errs)
            for key, v in p.items():
                prior += math.log(v / FACTORS[key.split(":")[-1]][0]) ** 2
            return total / count + PRIOR_WEIGHT * prior

        best = family_loss(params)
        step = 0.25
        while step > 0.01:
            improved = False
            for key in list(params):
                _, lo, hi = FACTORS[key.split(":")[-1]]
                for direction in (1 + step, 1 / (1 + step)):
                    trial = dict(params)
                    trial[key] = min(hi, max(lo, params[key] * direction))
                    l = family_loss(trial)
                    if l < best - 1e-9:
                        best, params, improved = l, trial, True
            if not improved:
                step /= 2
        family_rows = sorted(r for rows in rows_of.values() for r in rows)
        for acc in rows_of:
            write(caldir, acc, values_for(acc, params), placeholder(FACTORS))
            errs = errors(binary, overlay, acc)
            if held_out:
                held = errors(binary, overlay, acc, held_out=True)
                if held_out in held:
                    held_error = held[held_out]
            if not quiet:
                print(f"{family} {acc}",
                      {k: round(v, 4) for k, v in values_for(acc, params).items()},
                      {i: f"{100 * e:+.1f}%" for i, e in errs.items()})
            prov = {k: family_rows if k in COMPUTE else rows_of[acc] for k in FACTORS}
            results[acc] = (values_for(acc, params), prov)
        mean = {k: sum(params[f"{a}:{k}"] for a in rows_of) / len(rows_of)
                for k in ("memory", "step_overhead")}
        for acc in members:
            if acc in rows_of:
                continue
            vals = {k: params[k] if k in COMPUTE else mean[k] for k in FACTORS}
            note = (f"no published result on {acc}; the {family} family's factors, fitted on "
                    f"{', '.join(family_rows)}")
            results[acc] = (vals, {k: note for k in FACTORS})
    if dry:
        return held_error
    for acc, (values, prov) in results.items():
        write(os.path.join(ROOT, "data", "calibration"), acc, values, prov)


if __name__ == "__main__":
    main()
