from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "abi3_sample._add",
            ["src/abi3_sample/_add.c"],
            define_macros=[("Py_LIMITED_API", "0x030B0000")],
            py_limited_api=True,
        )
    ],
    options={"bdist_wheel": {"py_limited_api": "cp311"}},
)
