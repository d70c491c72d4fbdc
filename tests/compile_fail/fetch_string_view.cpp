// expect: sessionlib: fetch: a name is fetched as std::string or a string literal; write std::string(name)
// expect-first: sessionlib: fetch: a name is fetched as std::string
#include <sessionlib/sessionlib.hpp>
#include <string_view>
namespace sl = sessionlib;
int main() {
  sl::Graph g;
  auto c = sl::constant(g, 1.0f, "c");
  (void)c;
  sl::Session sess(g);
  constexpr std::string_view name = "c:0";
  sl::any_array v = sess.run(std::string(name));
  (void)v;
#if SESSIONLIB_CF_FAIL
  sl::any_array w = sess.run(name);  // the result would be sl::none_t, failing first without the check
  (void)w;
#endif
}
