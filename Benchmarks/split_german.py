"""The seeded 70/30 split of German credit (no published split) used by the benchmark scripts.
   python3 split_german.py german_credit.csv train.csv test.csv"""
import csv
import random
import sys

rows = list(csv.reader(open(sys.argv[1], newline="")))
header, body = rows[0], rows[1:]
random.Random(70).shuffle(body)
cut = int(0.7 * len(body))
for path, part in ((sys.argv[2], body[:cut]), (sys.argv[3], body[cut:])):
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(part)
