// expect: sessionlib: while_loop: the body returns a different number of loop variables
// expect-one-of: Variables = 2 | while_body_count<2
#include <sessionlib/sessionlib.hpp>
namespace sl = sessionlib;
int main() {
  sl::Graph g;
  auto i0 = sl::constant(g, 0);
  auto x0 = sl::constant(g, 1.f);
  auto ok = sl::while_loop([](auto i, auto) { return i < 3; },
                           [](auto i, auto x) { return std::tuple{i + 1, x}; }, std::tuple{i0, x0});
  (void)ok;
#if SESSIONLIB_CF_FAIL
  auto bad = sl::while_loop([](auto i, auto) { return i < 3; }, [](auto i, auto) { return i + 1; }, std::tuple{i0, x0});
  (void)bad;
#endif
}
