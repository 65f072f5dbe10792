# Helpers the benchmark scripts share (sourced, not run).

# The median of the numbers on standard input, separated by spaces or lines.
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
