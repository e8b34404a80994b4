#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdlib.h>

static PyObject *add(PyObject *self, PyObject *args) {
    long a, b;
    if (!PyArg_ParseTuple(args, "ll", &a, &b)) {
        return NULL;
    }
    /* strtol: a libc symbol, by which auditwheel tells glibc from musl */
    return PyLong_FromLong(strtol("0", NULL, 10) + a + b);
}

static PyMethodDef methods[] = {
    {"add", add, METH_VARARGS, "Add two integers."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_add", NULL, -1, methods};

PyMODINIT_FUNC PyInit__add(void) { return PyModule_Create(&module); }
