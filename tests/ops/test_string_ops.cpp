// String ops (issue 14): decode_raw, string_to_number, io::read_file, with TF's
// messages, and CRC-32C against RFC 3720's test vectors.
#include <doctest/doctest.h>

#include <sessionlib/input.hpp>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <unistd.h>
#include <string>

namespace sl = sessionlib;
namespace fs = std::filesystem;

TEST_CASE("decode_raw: bytes as numbers, one more dimension, TF's messages") {
  sl::Graph g;
  auto b = sl::placeholder<std::string, sl::shape<2>>(g, "b");
  auto u8 = sl::decode_raw<std::uint8_t>(b);
  static_assert(std::is_same_v<decltype(u8), sl::Tensor<std::uint8_t, sl::shape<2, sl::dyn>>>);
  auto i16 = sl::decode_raw<std::int32_t>(b);
  auto big = sl::decode_raw<std::int32_t>(b, /*little_endian=*/false);
  auto f = sl::decode_raw<float>(b);
  sl::Session sess(g);
  xt::xtensor<std::uint8_t, 2> r = sess.run(u8, {{b, xt::xtensor<std::string, 1>{"wer", "XYZ"}}});
  CHECK(r == xt::xtensor<std::uint8_t, 2>{{'w', 'e', 'r'}, {'X', 'Y', 'Z'}});
  const xt::xtensor<std::string, 1> four{std::string("\x01\x02\x03\x04", 4), std::string("\xff\xff\xff\xff", 4)};
  auto [le, be] = sess.run(std::tuple{i16, big}, {{b, four}});
  CHECK(le(0, 0) == 0x04030201);
  CHECK(be(0, 0) == 0x01020304);
  CHECK(le(1, 0) == -1);
  float one = 1.f;
  std::string one_bytes(reinterpret_cast<const char*>(&one), 4);
  xt::xtensor<float, 2> fv = sess.run(f, {{b, xt::xtensor<std::string, 1>{one_bytes + one_bytes, one_bytes + one_bytes}}});
  CHECK(fv.shape(1) == 2);
  CHECK(fv(1, 1) == 1.f);
  // Empty strings: a dimension of 0.
  xt::xtensor<std::uint8_t, 2> empty = sess.run(u8, {{b, xt::xtensor<std::string, 1>{"", ""}}});
  CHECK(empty.shape(1) == 0);
  CHECK_THROWS_WITH_AS(sess.run(u8, {{b, xt::xtensor<std::string, 1>{"short", "longer"}}}),
                       "DecodeRaw requires input strings to all be the same size, but element 1 has size 5 != 6",
                       sl::invalid_argument);
  CHECK_THROWS_WITH_AS(sess.run(i16, {{b, xt::xtensor<std::string, 1>{"123", "456"}}}),
                       "Input to DecodeRaw has length 3 that is not a multiple of 4, the size of int32",
                       sl::invalid_argument);
  CHECK_THROWS_WITH_AS(sess.run(f, {{b, xt::xtensor<std::string, 1>{"123", "456"}}}),
                       "Input to DecodeRaw has length 3 that is not a multiple of 4, the size of float",
                       sl::invalid_argument);
}

TEST_CASE("string_to_number: TF's parsing and message") {
  sl::Graph g;
  auto s = sl::placeholder<std::string, sl::shape<sl::dyn>>(g, "s");
  auto f = sl::string_to_number(s);
  static_assert(std::is_same_v<decltype(f), sl::Tensor<float, sl::shape<sl::dyn>>>);
  auto d = sl::string_to_number<double>(s);
  auto i = sl::string_to_number<std::int32_t>(s);
  auto l = sl::string_to_number<std::int64_t>(s);
  sl::Session sess(g);
  xt::xtensor<float, 1> fv =
      sess.run(f, {{s, xt::xtensor<std::string, 1>{"0", "3", "-1", "1.12", "0xF", "   -10.5", "3.40283e+38", "NAN"}}});
  CHECK(fv(1) == 3.f);
  CHECK(fv(3) == doctest::Approx(1.12f));
  CHECK(fv(4) == 15.f);
  CHECK(fv(5) == -10.5f);
  CHECK(std::isinf(fv(6)));  // beyond float: inf, as TF
  CHECK(std::isnan(fv(7)));
  xt::xtensor<double, 1> dv = sess.run(d, {{s, xt::xtensor<std::string, 1>{"1e300", " 2.5 "}}});
  CHECK(dv(0) == 1e300);
  CHECK(dv(1) == 2.5);
  xt::xtensor<std::int32_t, 1> iv = sess.run(i, {{s, xt::xtensor<std::string, 1>{"0", "3", "-1", " 11 ", "+7", "2147483647"}}});
  CHECK(iv == xt::xtensor<std::int32_t, 1>{0, 3, -1, 11, 7, 2147483647});
  xt::xtensor<std::int64_t, 1> lv = sess.run(l, {{s, xt::xtensor<std::string, 1>{"-9223372036854775808"}}});
  CHECK(lv(0) == std::numeric_limits<std::int64_t>::min());
  const std::string msg = "StringToNumberOp could not correctly convert string: ";
  CHECK_THROWS_WITH_AS(sess.run(f, {{s, xt::xtensor<std::string, 1>{"2.9", "10foo"}}}), (msg + "10foo").c_str(),
                       sl::invalid_argument);
  CHECK_THROWS_WITH_AS(sess.run(f, {{s, xt::xtensor<std::string, 1>{""}}}), msg.c_str(), sl::invalid_argument);
  CHECK_THROWS_WITH_AS(sess.run(i, {{s, xt::xtensor<std::string, 1>{"2.9"}}}), (msg + "2.9").c_str(),
                       sl::invalid_argument);
  CHECK_THROWS_WITH_AS(sess.run(i, {{s, xt::xtensor<std::string, 1>{"2147483648"}}}), (msg + "2147483648").c_str(),
                       sl::invalid_argument);
  CHECK_THROWS_WITH_AS(sess.run(i, {{s, xt::xtensor<std::string, 1>{"+-1"}}}), (msg + "+-1").c_str(),
                       sl::invalid_argument);
}

TEST_CASE("io::read_file: a file's bytes; TF's error for a missing file") {
  const fs::path dir = fs::temp_directory_path() / ("sl_read_file_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string path = (dir / "blob.bin").string();
  const std::string content("ab\0cd\n\xff", 7);
  std::ofstream(path, std::ios::binary) << content;
  sl::Graph g;
  auto name = sl::placeholder<std::string>(g, "name");
  auto data = sl::io::read_file(name);
  auto fixed = sl::io::read_file(g, path);
  auto bytes = sl::decode_raw<std::uint8_t>(fixed);
  sl::Session sess(g);
  CHECK(sess.run(data, {{name, path}}) == content);
  CHECK(sess.run(fixed) == content);
  xt::xtensor<std::uint8_t, 1> b = sess.run(bytes);
  CHECK(b.size() == 7);
  CHECK(b(6) == 0xff);
  // Not folded into the plan: a changed file is read again.
  std::ofstream(path, std::ios::binary) << "new";
  CHECK(sess.run(fixed) == "new");
  const std::string missing = (dir / "missing.txt").string();
  CHECK_THROWS_WITH_AS(sess.run(data, {{name, missing}}), (missing + "; No such file or directory").c_str(),
                       sl::not_found);
  fs::remove_all(dir);
}

TEST_CASE("CRC-32C: RFC 3720's test vectors and TF's mask") {
  namespace c = sl::crc32c;
  CHECK(c::value(std::string(32, '\0')) == 0x8a9136aau);
  CHECK(c::value(std::string(32, '\xff')) == 0x62a8ab43u);
  std::string up, down;
  for (int i = 0; i < 32; ++i) {
    up.push_back(static_cast<char>(i));
    down.push_back(static_cast<char>(31 - i));
  }
  CHECK(c::value(up) == 0x46dd794eu);
  CHECK(c::value(down) == 0x113fdb5cu);
  CHECK(c::value("123456789") == 0xe3069283u);
  CHECK(c::extend(c::value("hello "), "world") == c::value("hello world"));
  static_assert(c::value("123456789") == 0xe3069283u);
  const std::uint32_t crc = c::value("foo");
  CHECK(c::mask(crc) != crc);
  CHECK(c::mask(c::mask(crc)) != crc);
  CHECK(c::unmask(c::mask(crc)) == crc);
  CHECK(c::unmask(c::unmask(c::mask(c::mask(crc)))) == crc);
}

TEST_CASE("decode_csv: one column per default, defaults for empty fields, quotes, TF's messages") {
  sl::Graph g;
  auto lines = sl::placeholder<std::string, sl::shape<sl::dyn>>(g, "lines");
  auto [a, b, c, d] = sl::decode_csv(lines, std::tuple{0.5f, std::int64_t{-1}, "NA", sl::csv_required<double>{}});
  static_assert(std::is_same_v<decltype(a), sl::Tensor<float, sl::shape<sl::dyn>>>);
  static_assert(std::is_same_v<decltype(b), sl::Tensor<std::int64_t, sl::shape<sl::dyn>>>);
  static_assert(std::is_same_v<decltype(c), sl::Tensor<std::string, sl::shape<sl::dyn>>>);
  static_assert(std::is_same_v<decltype(d), sl::Tensor<double, sl::shape<sl::dyn>>>);
  auto line = sl::placeholder<std::string>(g, "line");
  auto [p, q] = sl::decode_csv(line, std::tuple{std::int32_t{0}, std::string("")}, {.field_delim = ';', .na_value = "?"});
  sl::Session sess(g);
  auto [av, bv, cv, dv] = sess.run(std::tuple{a, b, c, d},
                                   {{lines, xt::xtensor<std::string, 1>{"1.5,2,x,3", ",,,4", R"( 2 ,7,"a,""b""",5e-1)"}}});
  CHECK(av == xt::xtensor<float, 1>{1.5f, 0.5f, 2.f});
  CHECK(bv == xt::xtensor<std::int64_t, 1>{2, -1, 7});
  CHECK(cv == xt::xtensor<std::string, 1>{"x", "NA", "a,\"b\""});
  CHECK(dv == xt::xtensor<double, 1>{3, 4, 0.5});
  auto [pv, qv] = sess.run(std::tuple{p, q}, {{line, "?;text"}});
  CHECK(pv == 0);
  CHECK(qv == "text");
  auto bad = [&, a = a](const char* record) {  // (clang 14 lambdas cannot capture a structured binding)
    sess.run(a, {{lines, xt::xtensor<std::string, 1>{"1,2,x,3", record}}});
  };
  CHECK_THROWS_WITH_AS(bad("1,2,3"), "Expect 4 fields but have 3 in record 1", sl::invalid_argument);
  CHECK_THROWS_WITH_AS(bad("1,2,3,"), "Field 3 is required but missing in record 1!", sl::invalid_argument);
  CHECK_THROWS_WITH_AS(bad("z,2,3,4"), "Field 0 in record 1 is not a valid float: z", sl::invalid_argument);
  CHECK_THROWS_WITH_AS(bad("1,2.5,3,4"), "Field 1 in record 1 is not a valid int64: 2.5", sl::invalid_argument);
  CHECK_THROWS_WITH_AS(bad("1,2,a\"b,4"), "Unquoted fields cannot have quotes/CRLFs inside", sl::invalid_argument);
  CHECK_THROWS_WITH_AS(bad("1,2,\"a\"b\",4"), "Quote inside a string has to be escaped by another quote",
                       sl::invalid_argument);
  CHECK_THROWS_WITH_AS(bad("1,2,\"ab"), "Quoted field has to end with quote followed by delim or end",
                       sl::invalid_argument);
}
