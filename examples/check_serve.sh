#!/bin/sh
# examples/serve as a test: fashion_mnist trains briefly and exports to DIR;
# serve, which has none of the model's code, loads DIR and must reproduce the
# trainer's predictions bit for bit. Exit 77 (skipped) without the data set.
#   check_serve.sh FASHION_MNIST SERVE DIR
set -u
rm -rf "$3"
"$1" --epochs 1 --train-limit 2000 --out "$3" > "$3.train.log" 2>&1
status=$?
if [ "$status" -ne 0 ]; then
  cat "$3.train.log"
  exit "$status"
fi
exec "$2" "$3"
