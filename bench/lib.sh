# Helpers the benchmark scripts share (sourced, not run).

# The median of the numbers on standard input, separated by spaces or lines.
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

# Runs a command and writes "wall user sys maxrss_kb" to the file $1, as
# `/usr/bin/time -f '%e %U %S %M' -o $1` does, but to the microsecond:
# time's two decimals are a 4% step on a 0.25 s run, as wide as the
# differences the corpus benchmarks are read for.
timed() {
  python3 - "$@" <<'PY'
import resource, subprocess, sys, time
out, cmd = sys.argv[1], sys.argv[2:]
start = time.perf_counter()
subprocess.run(cmd)
wall = time.perf_counter() - start
r = resource.getrusage(resource.RUSAGE_CHILDREN)
with open(out, "w") as f:
    f.write("%.4f %.4f %.4f %d\n" % (wall, r.ru_utime, r.ru_stime, r.ru_maxrss))
PY
}
