// The MetaGraph tests' helper for checks run by protoc and python:
//   meta_graph_tool write DIR   writes DIR/schema.proto, DIR/every.meta(.pbtxt) (every field
//                               the model keeps) and DIR/model.meta(.pbtxt) (export_meta_graph
//                               of a small graph with a Saver and a signature)
//   meta_graph_tool read FILE   prints the MetaGraphDef in FILE (binary, or text for .pbtxt) as text
#include <cstring>
#include <filesystem>
#include <iostream>

#include "meta_graph_fixture.hpp"

int main(int argc, char** argv) {
  namespace sl = sessionlib;
  try {
    if (argc == 3 && std::strcmp(argv[1], "write") == 0) {
      const std::filesystem::path dir = argv[2];
      graph_def_test::write_file(dir / "schema.proto", sl::graph_def_schema().proto_text());
      const sl::MetaGraphDef every = meta_graph_test::every_field();
      sl::write_meta_graph_def(every, dir / "every.meta");
      sl::write_meta_graph_def(every, dir / "every.pbtxt", true);
      sl::Graph g;
      auto x = sl::placeholder<float, sl::shape<sl::dyn, 3>>(g, "x");
      sl::Variable<float, sl::shape<3, 2>> w(g, sl::init::zeros<float>(), "w");
      auto probs = sl::nn::softmax(sl::matmul(x, w));
      sl::train::Saver saver(g, 7);
      const sl::train::signature_map sigs = {
          {"serving_default", {.inputs = {{"images", x}}, .outputs = {{"probabilities", probs}}}}};
      sl::train::export_meta_graph(g, saver, dir / "model.meta", sigs);
      sl::train::export_meta_graph(g, saver, dir / "model.pbtxt", sigs);
      return 0;
    }
    if (argc == 3 && std::strcmp(argv[1], "read") == 0) {
      std::cout << sl::serialize_meta_graph_def(sl::read_meta_graph_def(argv[2]), true);
      return 0;
    }
  } catch (const std::exception& e) {
    std::cerr << "meta_graph_tool: " << e.what() << "\n";
    return 1;
  }
  std::cerr << "usage: meta_graph_tool write DIR | read FILE\n";
  return 2;
}
