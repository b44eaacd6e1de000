"""cooler sources (fastheat/sources/cooler.py): equal to cooler's own dense
``matrix(balance=...).fetch(...)`` at small sizes, for every reduction."""
from __future__ import annotations

import numpy as np
import pytest

cooler = pytest.importorskip("cooler", reason="cooler is in the test extra (cooler sources)")
pd = pytest.importorskip("pandas", reason="pandas comes with cooler")

import fastheat  # noqa: E402
from fastheat.sources import cooler as source  # noqa: E402

CHROMS = {"chr1": 2_000_000, "chr2": 1_500_000, "chrX": 700_000}
REDUCTIONS = ("mean", "sum", "min", "max", "absmax", "std", "count", "nearest")


def make_cool(path, *, n_pixels=20_000, seed=0, binsize=10_000):
    rng = np.random.default_rng(seed)
    bins = cooler.binnify(pd.Series(CHROMS), binsize)
    n = len(bins)
    r = rng.integers(0, n, n_pixels)
    d = np.minimum(rng.geometric(0.02, n_pixels), n - 1)  # distance decay
    lo, hi = np.clip(r, 0, n - 1), np.clip(r + d, 0, n - 1)
    px = pd.DataFrame({"bin1_id": lo, "bin2_id": hi, "count": rng.integers(1, 50, n_pixels)})
    px = px.groupby(["bin1_id", "bin2_id"], as_index=False)["count"].sum()
    cooler.create_cooler(str(path), bins, px)
    cooler.balance_cooler(cooler.Cooler(str(path)), ignore_diags=1, min_nnz=3, mad_max=5,
                          store=True)
    return str(path)


@pytest.fixture(scope="module")
def cool(tmp_path_factory):
    return make_cool(tmp_path_factory.mktemp("cool") / "t.cool")


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch):
    monkeypatch.setattr(source, "CHUNK_PIXELS", 1000)  # many chunks, rows split across them


def cooler_dense(path, balance, region):
    m = cooler.Cooler(path).matrix(balance=balance)
    if region is None:
        return m[:]
    return m.fetch(region) if isinstance(region, str) else m.fetch(*region)


@pytest.mark.parametrize("region", [None, "chr2", "chr1:105k-1.2M",
                                    ("chr1:100k-1.2M", "chr2:0-900k"),
                                    ("chr2", "chr1")])
@pytest.mark.parametrize("balance", [False, True])
@pytest.mark.parametrize("reduce", REDUCTIONS)
def test_equals_coolers_dense_matrix(cool, region, balance, reduce):
    dense = cooler_dense(cool, balance, region)
    a = fastheat.aggregate(cool, region=region, balance=balance, width=37, height=23,
                           reduce=reduce)
    b = fastheat.aggregate(dense, width=37, height=23, reduce=reduce)
    assert np.array_equal(np.isnan(a), np.isnan(b))
    np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)


def test_a_cooler_object_and_an_mcool_resolution(cool, tmp_path):
    clr = cooler.Cooler(cool)
    whole = fastheat.aggregate(cool, width=50, height=50)
    np.testing.assert_array_equal(fastheat.aggregate(clr, width=50, height=50), whole)
    mcool = str(tmp_path / "t.mcool")
    cooler.zoomify_cooler(cool, mcool, resolutions=[10_000, 20_000], chunksize=10_000_000)
    a = fastheat.aggregate(mcool, resolution=20_000, width=40, height=40)
    b = fastheat.aggregate(mcool + "::resolutions/20000", width=40, height=40)
    c = fastheat.aggregate(cooler.Cooler(mcool + "::/resolutions/20000").matrix(
        balance=False)[:], width=40, height=40)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(a, c, rtol=1e-12)
    with pytest.raises(ValueError, match=r"multi-resolution cooler: choose a resolution with "
                                         r"resolution=N .*resolutions are 10000, 20000"):
        fastheat.aggregate(mcool)
    with pytest.raises(ValueError, match=r"resolution=5000 is not in .*10000, 20000"):
        fastheat.aggregate(mcool, resolution=5000)


def test_unknown_region_lists_the_chromosomes(cool):
    with pytest.raises(ValueError, match=r"region='chr9:1-2': no chromosome 'chr9'; the "
                                         r"chromosomes are chr1, chr2, chrX"):
        fastheat.aggregate(cool, region="chr9:1-2")
    with pytest.raises(ValueError, match=r"outside chr2 \(0-1,500,000\)"):
        fastheat.aggregate(cool, region="chr2:1M-2M")
    with pytest.raises(ValueError, match=r"position 'ten'"):
        fastheat.aggregate(cool, region="chr2:ten-20")


def test_balance_without_weights_says_how_to_get_them(tmp_path):
    path = make_cool(tmp_path / "b.cool")
    with pytest.raises(ValueError, match=r"balance='KR': the cooler has no bins/KR column "
                                         r"\(its weight columns: weight\)"):
        fastheat.aggregate(path, balance="KR")


def test_whole_genome_shows_chromosome_lines_and_names(cool):
    src = fastheat.sources.open_source(cool)
    decor = src.default_decor()
    bins = cooler.Cooler(cool).bins()[:]
    offsets = [float(np.flatnonzero(bins["chrom"] == c)[0]) for c in ("chr2", "chrX")]
    assert decor["hlines"] == decor["vlines"] == tuple(offsets)
    assert decor["xticklabels"] == ["chr1", "chr2", "chrX"]
    n1 = offsets[0]
    assert decor["xticks"][0] == n1 / 2
    img = np.asarray(fastheat.heatmap(cool, width=400, height=400).convert("RGB"))
    assert img.shape[0] > 400  # ticks drawn around the raster
    one = fastheat.sources.open_source(cool, reading=fastheat.options.Reading(region="chr2"))
    assert one.default_decor()["extent"] == (0, 1_500_000, 1_500_000, 0)


def test_cli_reads_cool_with_balance_and_region(cool, tmp_path):
    from fastheat import cli

    out = tmp_path / "c.png"
    assert cli.main(["render", cool, "--balance", "--region", "chr2", "--norm", "log",
                     "-o", str(out), "-q"]) == 0
    fastheat.save(cool, tmp_path / "d.png", balance=True, region="chr2", norm="log")
    assert out.read_bytes() == (tmp_path / "d.png").read_bytes()


def test_cli_errors_are_one_line(cool, tmp_path, capsys):
    from fastheat import cli

    assert cli.main(["render", cool, "--region", "chr9", "-o", str(tmp_path / "x.png")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--region 'chr9': no chromosome 'chr9'" in err
