// expect: sessionlib: feed: a structure of keys takes a value of the same structure (as many elements)
// expect: std::tuple<float, float, float>
#include <sessionlib/sessionlib.hpp>
namespace sl = sessionlib;
int main() {
  sl::Graph g;
  auto a = sl::placeholder<float, sl::shape<>>(g, "a");
  auto b = sl::placeholder<float, sl::shape<>>(g, "b");
  sl::Session sess(g);
  (void)sess.run(a + b, {{std::tuple{a, b}, std::tuple{1.f, 2.f}}});
#if SESSIONLIB_CF_FAIL
  (void)sess.run(a + b, {{std::tuple{a, b}, std::tuple{1.f, 2.f, 3.f}}});  // three values for two keys
#endif
}
