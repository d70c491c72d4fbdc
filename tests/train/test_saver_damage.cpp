// Restore verifies: each way of damaging a checkpoint gives its own error,
// naming the file or the variable, and leaves the session's variables as they were.
#include <doctest/doctest.h>

#include "saver_fixture.hpp"

namespace fs = std::filesystem;
using namespace sessionlib_test;

namespace {
struct damaged {
  temp_dir d{"sl_damage"};
  saver_model m;
  sl::Session src{m.g};
  sl::train::Saver saver{m.g};
  std::string path;
  fs::path w_file, b_file;

  damaged() {
    src.run(m.init);
    m.set(src, 5.f);
    path = saver.save(src, (d.path / "model.ckpt").string(), 9);
    const auto entries = sl::train::read_checkpoint_index(path);
    w_file = d.path / entries[0].file;
    b_file = d.path / entries[1].file;
  }
};
}  // namespace

TEST_CASE("restore reports each kind of damage") {
  damaged c;
  sl::Session s(c.m.g);
  s.run(c.m.init);
  c.m.set(s, 1.f);

  SUBCASE("a missing index") {
    fs::remove(c.path + ".index");
    CHECK_THROWS_WITH_AS(c.saver.restore(s, c.path),
                         ("Unsuccessful TensorSliceReader constructor: Failed to find any matching files for " + c.path + ".index").c_str(),
                         sl::not_found);
  }
  SUBCASE("a missing data file") {
    fs::remove(c.b_file);
    CHECK_THROWS_WITH_AS(c.saver.restore(s, c.path), ("Checkpoint data file not found: '" + c.b_file.string() + "'").c_str(),
                         sl::not_found);
  }
  SUBCASE("a truncated data file") {
    fs::resize_file(c.b_file, fs::file_size(c.b_file) - 4);
    CHECK_THROWS_WITH_AS(c.saver.restore(s, c.path),
                         ("Corrupted .npy file '" + c.b_file.string() + "': truncated: expected 152 bytes, found 148 (tensor 'dense/b')").c_str(),
                         sl::data_loss);
  }
  SUBCASE("altered data: the CRC fails") {
    std::string bytes = slurp(c.w_file);
    bytes[bytes.size() - 3] ^= 0x10;
    spit(c.w_file, bytes);
    const auto crc = sl::train::read_checkpoint_index(c.path)[0].crc;
    std::uint32_t now = 0;
    sl::train::detail::read_npy_file(c.w_file, &now);
    CHECK_THROWS_WITH_AS(c.saver.restore(s, c.path),
                         ("Checksum mismatch in checkpoint data file '" + c.w_file.string() + "' (tensor 'dense/w'): expected crc32 " +
                          sl::train::detail::hex32(crc) + ", got " + sl::train::detail::hex32(now))
                             .c_str(),
                         sl::data_loss);
  }
  SUBCASE("a bad npy header") {
    std::string bytes = slurp(c.w_file);
    bytes[1] = 'X';
    spit(c.w_file, bytes);
    CHECK_THROWS_WITH_AS(c.saver.restore(s, c.path), ("Corrupted .npy file '" + c.w_file.string() + "': not a .npy file (bad magic) (tensor 'dense/w')").c_str(),
                         sl::data_loss);
  }
  SUBCASE("a data file swapped for another tensor's") {
    fs::copy_file(c.b_file, c.w_file, fs::copy_options::overwrite_existing);
    CHECK_THROWS_WITH_AS(c.saver.restore(s, c.path),
                         ("Checkpoint data file '" + c.w_file.string() +
                          "' holds float64 (3,), but the index lists float32 (2, 3) for 'dense/w'")
                             .c_str(),
                         sl::data_loss);
  }
  SUBCASE("an altered index") {
    std::string text = slurp(c.path + ".index");
    text.replace(text.find("global_step"), 11, "global_stop");
    spit(c.path + ".index", text);
    CHECK_THROWS_WITH_AS(c.saver.restore(s, c.path), ("Corrupted checkpoint index '" + c.path + ".index': checksum mismatch").c_str(),
                         sl::data_loss);
  }
  // Nothing was restored: every value is checked before any variable changes.
  CHECK(c.m.holds(s, 1.f));
}

TEST_CASE("restore reports a variable the checkpoint lacks, and dtype or shape mismatches") {
  damaged c;
  SUBCASE("a variable missing from the checkpoint") {
    sl::Graph g;
    sl::Variable<float, sl::shape<2, 3>> w(g, 0.f, "dense/w");
    sl::Variable<float, sl::shape<4>> extra(g, 0.f, "dense/extra");
    sl::Session s(g);
    sl::train::Saver saver(g);
    CHECK_THROWS_WITH_AS(saver.restore(s, c.path), ("Key dense/extra not found in checkpoint " + c.path).c_str(), sl::not_found);
    try {
      saver.restore(s, c.path);
    } catch (const sl::not_found& e) {
      CHECK(e.node() == "dense/extra");
    }
  }
  SUBCASE("a shape mismatch names the variable and both shapes") {
    sl::Graph g;
    sl::Variable<float, sl::shape<3, 2>> w(g, 0.f, "dense/w");
    sl::Session s(g);
    sl::train::Saver saver(g);
    CHECK_THROWS_WITH_AS(saver.restore(s, c.path),
                         ("Restoring variable 'dense/w' from checkpoint " + c.path + ": shape (3, 2) in the graph, (2, 3) in the checkpoint")
                             .c_str(),
                         sl::invalid_argument);
  }
  SUBCASE("a dtype mismatch") {
    sl::Graph g;
    sl::Variable<std::int32_t, sl::shape<>> step(g, 0, "global_step");
    sl::Session s(g);
    sl::train::Saver saver(g);
    CHECK_THROWS_WITH_AS(saver.restore(s, c.path),
                         ("Restoring variable 'global_step' from checkpoint " + c.path + ": dtype int32 in the graph, int64 in the checkpoint")
                             .c_str(),
                         sl::invalid_argument);
  }
  SUBCASE("a variable with a dyn dimension takes the checkpoint's size") {
    sl::Graph g;
    sl::Variable<double, sl::shape<sl::dyn>> b(g, xt::xtensor<double, 1>{0.0}, "dense/b");
    sl::Session s(g);
    sl::train::Saver saver(g);
    saver.restore(s, c.path);
    CHECK(s.run(b) == xt::xtensor<double, 1>{5.0, 1.0, -2.0});
  }
}
