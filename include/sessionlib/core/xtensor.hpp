// The one place sessionlib includes xtensor: an xtensor upgrade (0.25 moved the
// headers under <xtensor/containers/...>) touches this file only.
#pragma once

#include <xtensor/xadapt.hpp>
#include <xtensor/xarray.hpp>
#include <xtensor/xfixed.hpp>
#include <xtensor/xtensor.hpp>
