#!/usr/bin/zsh -f
# zsh_complete.zsh FPATH_DIR LINE: the candidates an interactive zsh offers
# when Tab is pressed at the end of LINE, one per line, with _gantry taken
# from FPATH_DIR through compinit as a user's shell loads it. Each candidate
# compadd is given is also written to a file (compadd -O collects without
# adding), so the terminal's rendering does not matter.
zmodload zsh/zpty || exit 2
dir=$1
line=$2
out=$(mktemp)
trap 'zpty -d completer 2>/dev/null; rm -f $out' EXIT

zpty completer zsh -f -i
zpty -w completer "fpath=(${(q)dir} \$fpath); autoload -U compinit; compinit -u -D; bindkey '^I' complete-word"
zpty -w completer "compadd() { local -a found; builtin compadd -O found \"\$@\"; print -rl -- \$found >>${(q)out}; builtin compadd \"\$@\" }"
zpty -w completer "print GANTRY''READY"
# Wait for the shell to have read the set-up (the echo of the line above
# shows GANTRY''READY; only its output shows the word whole).
for i in {1..100}; do
  zpty -rt completer chunk 2>/dev/null && buffer+=$chunk
  [[ $buffer == *GANTRYREADY* ]] && break
  sleep 0.1
done
[[ $buffer == *GANTRYREADY* ]] || { print -u2 "zsh did not start"; exit 2; }
zpty -w -n completer "$line"$'\t'
# The candidates are written once the completion widget has run.
for i in {1..100}; do
  [[ -s $out ]] && break
  zpty -rt completer chunk 2>/dev/null
  sleep 0.1
done
sleep 0.3
grep -v '^$' $out | sort -u
