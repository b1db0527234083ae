"""The digitiser's method version: part of every digitisation record and of the keys of results made from one."""

METHOD_VERSION = "1"
