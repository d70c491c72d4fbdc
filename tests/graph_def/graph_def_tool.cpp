// The GraphDef tests' helper for checks run by protoc and python:
//   graph_def_tool write DIR   writes DIR/schema.proto, DIR/model.pb(txt) (every kind of
//                              attribute) and DIR/graph.pb(txt) (to_graph_def of a small graph)
//   graph_def_tool read FILE   prints the GraphDef in FILE (binary, or text for .pbtxt) as text
#include <cstring>
#include <filesystem>
#include <iostream>

#include "graph_def_fixture.hpp"
#include "small_graph.hpp"

int main(int argc, char** argv) {
  using namespace graph_def_test;
  try {
    if (argc == 3 && std::strcmp(argv[1], "write") == 0) {
      const std::filesystem::path dir = argv[2];
      write_file(dir / "schema.proto", sl::graph_def_schema().proto_text());
      const sl::GraphDef model = every_kind();
      sl::train::write_graph(model, dir, "model.pb", false);
      sl::train::write_graph(model, dir, "model.pbtxt", true);
      sl::Graph g;
      build_small_graph(g);
      sl::train::write_graph(g, dir, "graph.pb", false);
      sl::train::write_graph(g, dir, "graph.pbtxt", true);
      return 0;
    }
    if (argc == 3 && std::strcmp(argv[1], "read") == 0) {
      std::cout << sl::serialize_graph_def(sl::read_graph_def(argv[2]), true);
      return 0;
    }
  } catch (const std::exception& e) {
    std::cerr << "graph_def_tool: " << e.what() << "\n";
    return 1;
  }
  std::cerr << "usage: graph_def_tool write DIR | read FILE\n";
  return 2;
}
