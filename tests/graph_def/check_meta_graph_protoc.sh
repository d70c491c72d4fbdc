#!/bin/sh
# protoc, given the schema as sessionlib prints it, decodes our binary
# MetaGraphDefs to our text and encodes our text to binary we read back the same.
#   check_meta_graph_protoc.sh META_GRAPH_TOOL PROTOC
set -eu
tool=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")  # absolute: the script changes directory
protoc=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$tool" write "$dir"
cd "$dir"
for name in every model; do
  "$protoc" --decode=tensorflow.MetaGraphDef schema.proto < "$name.meta" > "$name.decoded.pbtxt"
  cmp "$name.decoded.pbtxt" "$name.pbtxt"
  "$protoc" --encode=tensorflow.MetaGraphDef schema.proto < "$name.pbtxt" > "$name.encoded.meta"
  "$tool" read "$name.encoded.meta" > "$name.reread.pbtxt"
  cmp "$name.reread.pbtxt" "$name.pbtxt"
  echo "check_meta_graph_protoc: $name: protoc decodes our binary and encodes our text"
done
