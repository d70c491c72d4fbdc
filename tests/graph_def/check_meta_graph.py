"""python3-protobuf reads sessionlib's MetaGraphDefs.

Builds TF's descriptors from the schema sessionlib prints (through protoc
--descriptor_set_out), parses our binary and text MetaGraphDefs with python's
own protobuf, checks the saver, collections and signatures as TF's
import_meta_graph and TF Serving read them, and has sessionlib read back what
python serialised.

    python3 check_meta_graph.py META_GRAPH_TOOL PROTOC
"""
import os
import subprocess
import sys
import tempfile

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory, text_format


def message_class(directory, protoc, name):
    desc = os.path.join(directory, "schema.desc")
    subprocess.run([protoc, "--include_imports", "--descriptor_set_out=" + desc, "-I", directory,
                    os.path.join(directory, "schema.proto")], check=True)
    with open(desc, "rb") as f:
        files = descriptor_pb2.FileDescriptorSet.FromString(f.read())
    pool = descriptor_pool.DescriptorPool()
    for fd in files.file:
        pool.Add(fd)
    d = pool.FindMessageTypeByName(name)
    if hasattr(message_factory, "GetMessageClass"):
        return message_factory.GetMessageClass(d), pool
    return message_factory.MessageFactory(pool).GetPrototype(d), pool


def check(cond, what):
    if not cond:
        raise SystemExit("check_meta_graph: FAILED: " + what)


def main():
    tool, protoc = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as directory:
        subprocess.run([tool, "write", directory], check=True)
        MetaGraphDef, pool = message_class(directory, protoc, "tensorflow.MetaGraphDef")
        for name in ("every", "model"):
            with open(os.path.join(directory, name + ".meta"), "rb") as f:
                binary = MetaGraphDef.FromString(f.read())
            with open(os.path.join(directory, name + ".pbtxt")) as f:
                text = text_format.Parse(f.read(), MetaGraphDef(), descriptor_pool=pool)
            check(text == binary, name + ".pbtxt == " + name + ".meta")

        with open(os.path.join(directory, "model.meta"), "rb") as f:
            m = MetaGraphDef.FromString(f.read())
        check(list(m.meta_info_def.tags) == ["serve"], "tags")
        check(m.HasField("saver_def") and m.saver_def.max_to_keep == 7 and m.saver_def.version == 2, "saver_def")
        check(list(m.collection_def["saver_variables"].node_list.value) == ["w:0"], "the Saver's variables")
        check(m.collection_def["variables"].WhichOneof("kind") == "node_list", "variables collection")
        sig = m.signature_def["serving_default"]
        check(sig.method_name == "tensorflow/serving/predict", "method_name")
        images = sig.inputs["images"]
        check(images.name == "x:0" and images.dtype == 1, "input TensorInfo")
        check([d.size for d in images.tensor_shape.dim] == [-1, 3], "input shape")
        check(sig.outputs["probabilities"].dtype == 1, "output TensorInfo")
        check([d.size for d in sig.outputs["probabilities"].tensor_shape.dim] == [-1, 2], "output shape")
        nodes = {n.name: n for n in m.graph_def.node}
        check(nodes["x"].op == "Placeholder" and nodes["w"].op == "VariableV2", "graph_def")
        check(images.name.split(":")[0] in nodes, "the signature names a node of the graph")

        with open(os.path.join(directory, "every.meta"), "rb") as f:
            e = MetaGraphDef.FromString(f.read())
        check(list(e.collection_def["ints"].int64_list.value) == [1, -2, 1 << 40], "int64_list")
        check(list(e.collection_def["floats"].float_list.value) == [0.5, -1.25], "float_list")
        check(list(e.collection_def["bytes"].bytes_list.value) == [b"\xff\x00z"], "bytes_list")
        check(e.collection_def["empty"].WhichOneof("kind") == "node_list", "an empty node list keeps its kind")
        check(e.collection_def["anys"].any_list.value[0].type_url.endswith("tensorflow.SaverDef"), "any_list")
        sparse = e.signature_def["serving_default"].inputs["sparse"]
        check(sparse.WhichOneof("encoding") == "coo_sparse" and sparse.coo_sparse.indices_tensor_name == "i:0", "coo_sparse")
        check(list(e.signature_def["serving_default"].defaults["images"].float_val) == [0.25], "defaults")
        check(e.asset_file_def[0].filename == "vocab.txt", "asset_file_def")
        check(e.saver_def.restore_op_name == "save/restore_all" and e.saver_def.sharded, "saver_def fields")

        # sessionlib reads what python serialised.
        path = os.path.join(directory, "python.meta")
        with open(path, "wb") as f:
            f.write(e.SerializeToString())
        reread = subprocess.run([tool, "read", path], check=True, capture_output=True).stdout
        with open(os.path.join(directory, "every.pbtxt"), "rb") as f:
            check(reread == f.read(), "sessionlib reads python's serialisation")
    print("check_meta_graph: python3-protobuf reads sessionlib's MetaGraphDefs, and sessionlib reads python's")


if __name__ == "__main__":
    main()
