#!/usr/bin/env python3
"""Digitizes the per-minute request plots of the Azure LLM inference trace 2024 (one week, 16.8M coding
and 27.3M conversation requests; Stojkovic et al., "DynamoLLM", HPCA 2025). The CSV files are hosted
outside GitHub; the dataset's notebook carries the plots as PNG images.

Usage: python3 bench/azure2024_minutes.py AzurePublicDataset/analysis/AzureLLMInferenceDataset2024.ipynb
(pip install pillow numpy)

Each plotted column spans about 7.2 minutes (10,080 minutes over 1,396 pixels) and the line joins
consecutive minutes, so a column's vertical extent is the range of about 8 per-minute counts. Dividing it
(less the line's 2-pixel width) by 2.85, the expected range of 8 normal draws, estimates the per-minute
standard deviation within 7-minute spans: the fast variation, without the daily rhythm or slow drift.
Printed per band of the local rate, as the median over the columns in the band.
"""
import base64
import io
import json
import sys

import numpy as np
from PIL import Image

# Gridlines (pixel row, requests per minute) read off each plot.
AXES = {"Coding": ((42, 6000), (344, 1000)), "Conversation": ((61, 5000), (336, 1000))}

nb = json.load(open(sys.argv[1]))
plots = []
for cell in nb["cells"]:
    src = "".join(cell.get("source", ""))
    if "plt_invocations_time(df_trace)" in src:
        plots += [o["data"]["image/png"] for o in cell.get("outputs", []) if "image/png" in o.get("data", {})]
for name, png in zip(["Coding", "Conversation"], plots):
    im = np.array(Image.open(io.BytesIO(base64.b64decode(png))).convert("RGB")).astype(int)
    line = (abs(im[:, :, 0] - 31) < 50) & (abs(im[:, :, 1] - 119) < 50) & (abs(im[:, :, 2] - 180) < 50)
    (y1, v1), (y2, v2) = AXES[name]
    per_px = (v1 - v2) / (y2 - y1)
    cols = []
    for x in range(line.shape[1]):
        ys = np.nonzero(line[:, x])[0]
        if len(ys) == 0:
            continue
        top, bottom = ys.min(), ys.max()
        mean = v2 + (y2 - (top + bottom) / 2) * per_px
        cols.append((mean, max(0, bottom - top - 2) * per_px / 2.85 / mean))
    cols = np.array(cols)
    for lo, hi in [(0, 1000), (1000, 2000), (2000, 3000), (3000, 4000), (4000, 6000)]:
        sel = cols[(cols[:, 0] >= lo) & (cols[:, 0] < hi)]
        if len(sel):
            print(f"{name}: {lo}-{hi}/min, {len(sel)} columns, per-minute CV within 7 minutes "
                  f"{np.median(sel[:, 1]):.3f} (Poisson {((lo + hi) / 2) ** -0.5:.3f})")
