#!/bin/sh
# protoc, given the schema as sessionlib prints it, decodes our binary
# GraphDefs to our text and encodes our text to binary we read back the same.
#   check_protoc.sh GRAPH_DEF_TOOL PROTOC
set -eu
tool=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")  # absolute: the script changes directory
protoc=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$tool" write "$dir"
cd "$dir"
for name in model graph; do
  "$protoc" --decode=tensorflow.GraphDef schema.proto < "$name.pb" > "$name.decoded.pbtxt"
  cmp "$name.decoded.pbtxt" "$name.pbtxt"
  "$protoc" --encode=tensorflow.GraphDef schema.proto < "$name.pbtxt" > "$name.encoded.pb"
  "$tool" read "$name.encoded.pb" > "$name.reread.pbtxt"
  cmp "$name.reread.pbtxt" "$name.pbtxt"
  echo "check_protoc: $name: protoc decodes our binary and encodes our text"
done
