// expect: sessionlib: this op takes string tensors only
#include <sessionlib/input.hpp>
#include <string>
namespace sl = sessionlib;
int main() {
  sl::Graph g;
  auto bytes = sl::placeholder<std::string, sl::shape<sl::dyn>>(g, "bytes");
  auto ok = sl::decode_raw<float>(bytes);
  (void)ok;
#if SESSIONLIB_CF_FAIL
  auto x = sl::placeholder<float, sl::shape<4>>(g, "x");
  auto bad = sl::decode_raw<std::uint8_t>(x);  // decode_raw reads strings' bytes; a float tensor is already numbers
  (void)bad;
#endif
}
