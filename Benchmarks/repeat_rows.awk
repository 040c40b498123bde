# Repeats a CSV's rows (header once) until `rows` data rows are written; from the second copy on,
# the third column (Adult's fnlwgt) is moved by a seeded +-5 % so that copies are not identical.
# Cost figures only: the repeated table says nothing about fidelity.
#   awk -v rows=1000000 -f Benchmarks/repeat_rows.awk data/adult_train.csv > adult-1m.csv
BEGIN { FS = ","; OFS = ","; srand(17) }
NR == 1 { print; next }
{ line[++n] = $0 }
END {
    written = 0
    for (copy = 0; written < rows; copy++) {
        for (i = 1; i <= n && written < rows; i++) {
            if (copy == 0) { print line[i] }
            else { split(line[i], f, ","); f[3] = int(f[3] * (0.95 + 0.1 * rand())); out = f[1]; for (k = 2; k <= length(f); k++) out = out "," f[k]; print out }
            written++
        }
    }
}
