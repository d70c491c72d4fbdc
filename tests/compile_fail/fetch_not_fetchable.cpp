// expect: sessionlib: fetch: this leaf type is not fetchable
#include <sessionlib/sessionlib.hpp>
namespace sl = sessionlib;
int main() {
  sl::Graph g;
  auto a = sl::constant(g, 1.0f);
  sl::Session sess(g);
  (void)sess.run(std::tuple{a, a});
#if SESSIONLIB_CF_FAIL
  (void)sess.run(std::tuple{a, 3.0f});  // a float is a value, not a graph element
#endif
}
