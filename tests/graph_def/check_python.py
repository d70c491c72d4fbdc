"""python3-protobuf reads sessionlib's GraphDefs.

Builds TF's descriptors from the schema sessionlib prints (through protoc
--descriptor_set_out), parses our binary and text output with python's own
protobuf, checks names, ops and attributes, and has sessionlib read back what
python serialised.

    python3 check_python.py GRAPH_DEF_TOOL PROTOC
"""
import os
import subprocess
import sys
import tempfile

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory, text_format


def graph_def_class(directory, protoc):
    desc = os.path.join(directory, "schema.desc")
    subprocess.run([protoc, "--include_imports", "--descriptor_set_out=" + desc, "-I", directory,
                    os.path.join(directory, "schema.proto")], check=True)
    with open(desc, "rb") as f:
        files = descriptor_pb2.FileDescriptorSet.FromString(f.read())
    pool = descriptor_pool.DescriptorPool()
    for fd in files.file:
        pool.Add(fd)
    d = pool.FindMessageTypeByName("tensorflow.GraphDef")
    if hasattr(message_factory, "GetMessageClass"):
        return message_factory.GetMessageClass(d)
    return message_factory.MessageFactory(pool).GetPrototype(d)


def check(cond, what):
    if not cond:
        raise SystemExit("check_python: FAILED: " + what)


def main():
    tool, protoc = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as directory:
        subprocess.run([tool, "write", directory], check=True)
        GraphDef = graph_def_class(directory, protoc)
        with open(os.path.join(directory, "model.pb"), "rb") as f:
            g = GraphDef.FromString(f.read())
        with open(os.path.join(directory, "model.pbtxt")) as f:
            check(text_format.Parse(f.read(), GraphDef()) == g, "model.pbtxt == model.pb")
        nodes = {n.name: n for n in g.node}
        check([n.name for n in g.node] == ["x", "layer/w", "v", "add"], "node names")
        check([n.op for n in g.node] == ["Placeholder", "Const", "Variable", "AddV2"], "node ops")
        check(g.versions.producer == 27 and list(g.versions.bad_consumers) == [3, 5], "versions")
        check([d.size for d in nodes["x"].attr["shape"].shape.dim] == [-1, 784], "x's shape")
        check(nodes["layer/w"].device == "/device:CPU:0", "device")
        check(list(nodes["layer/w"].attr["value"].tensor.float_val) == [1.5, -2.0], "float_val")
        v = nodes["v"].attr
        check(v["shared_name"].s == b"\xff\x00z", "bytes attribute")
        check(v["i0"].WhichOneof("value") == "i" and v["i0"].i == 0, "an int attribute of 0")
        check(v["ref"].type == 101, "DT_FLOAT_REF")
        check(list(v["_class"].list.s) == [b"loc:@v", b""], "_class")
        check(list(v["_class"].list.i) == [1, -2, 3], "list(int)")
        check(v["func"].func.name == "MatMul" and v["func"].func.attr["transpose_a"].b, "func")
        check(v["placeholder"].placeholder == "T", "placeholder")
        check(v["unknown"].shape.unknown_rank, "unknown rank")
        check(list(nodes["add"].input) == ["x", "v:0", "layer/w:1", "^x"], "inputs")
        every = nodes["add"].attr["all_fields"].tensor
        check(list(every.uint64_val) == [1 << 63] and list(every.string_val) == [b"a", b"\x00b"], "tensor fields")

        with open(os.path.join(directory, "graph.pb"), "rb") as f:
            graph = GraphDef.FromString(f.read())
        gnodes = {n.name: n for n in graph.node}
        check(gnodes["x"].op == "Placeholder" and gnodes["w"].op == "VariableV2", "to_graph_def ops")
        check(list(gnodes["out"].input)[-1] == "^tick", "control input")
        check(any(n.op == "MatMul" and list(n.input)[0] == "x" for n in graph.node), "MatMul reads x")
        check(all("_output_shapes" in n.attr for n in graph.node if n.op != "NoOp"), "_output_shapes")

        # sessionlib reads what python serialised.
        path = os.path.join(directory, "python.pb")
        with open(path, "wb") as f:
            f.write(g.SerializeToString())
        reread = subprocess.run([tool, "read", path], check=True, capture_output=True).stdout
        with open(os.path.join(directory, "model.pbtxt"), "rb") as f:
            check(reread == f.read(), "sessionlib reads python's serialisation")
    print("check_python: python3-protobuf reads sessionlib's GraphDefs, and sessionlib reads python's")


if __name__ == "__main__":
    main()
