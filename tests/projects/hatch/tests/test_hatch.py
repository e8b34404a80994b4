import hatchsample


def test_imports() -> None:
    assert hatchsample.__doc__
