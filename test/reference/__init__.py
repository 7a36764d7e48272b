"""Slow, independent NumPy/SciPy reference implementation of the ACDC descriptors
(formulas: docs/science.md#atomic-density to docs/science.md#bispectrum; its role in the tests:
docs/science.md#independent-reference), used by test/python to check the daemon. Written for clarity,
not speed: quadrature for the radial integrals, scipy's complex harmonics converted to
real ones, exact Racah Clebsch-Gordan coefficients, brute-force periodic images."""

from .acdc import (
    Hypers,
    bispectrum,
    lambda_soap,
    lambda_soap_properties,
    power_spectrum_properties,
    power_spectrum,
    spherical_expansion,
)

__all__ = ["Hypers", "spherical_expansion", "power_spectrum", "power_spectrum_properties",
           "lambda_soap", "lambda_soap_properties", "bispectrum"]
