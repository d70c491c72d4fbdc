// expect: sessionlib: cast: the target type is not a dtype
#include <sessionlib/sessionlib.hpp>
namespace sl = sessionlib;
int main() {
  sl::Graph g;
  auto x = sl::placeholder<float, sl::shape<3>>(g);
  auto ok = sl::cast<std::uint8_t>(x);
  (void)ok;
#if SESSIONLIB_CF_FAIL
  auto bad = sl::cast<char>(x);  // char is not one of the graph's element types
  (void)bad;
#endif
}
