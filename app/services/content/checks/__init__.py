"""The bundle checker, one module per kind of check; all report into one Collector.

files (names, types, locations, encodings), course (course.yaml), lessons (front matter and
video), markdown (images, reflection and situation blocks), quiz, survey, cross (what one file
says about another), sources (denied hosts) and quotations (warnings). bundle.check_bundle runs
them in that order.
"""
