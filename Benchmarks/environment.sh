# Sourced by the benchmark scripts: the repository root, the data folder ($TABLM_DATA, else
# the repository's data/), the tablm binary ($TABLM, else the release build) and the OpenBLAS settings.
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
data=${TABLM_DATA:-$root/data}
tablm=${TABLM:-$root/.build/release/tablm}
source "$root/scripts/blas-env.sh"
