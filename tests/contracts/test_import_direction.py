"""Imports point down the stack of DESIGN.md, counting imports inside functions too, and no two
packages import each other in a cycle."""

from . import import_graph as graph

# Upward imports that are the one named seam for a need: "source -> target": reason.
ALLOWED_UPWARD: dict[str, str] = {
    "cuflow.trainers.seams -> cuflow.callbacks":
        "fit / evaluate / predict run the user's callbacks through CallbackList",
    "cuflow.trainers.seams -> cuflow.debug.hooks":
        "fit's verify_kernels / nan_bundle / measured device choice are debug tools",
    "cuflow.trainers.seams -> cuflow.saving":
        "Model.save / save_weights / load_weights / models.load_model read and write files",
}


def test_every_module_has_a_place_in_the_stack():
    assert graph.unknown_units() == set(), (
        "add these modules / packages to import_graph.STACK (and DESIGN.md's table)")


def test_imports_point_down():
    found = graph.upward()
    unexplained = [f"{i.where}: {i.source} -> {i.target}" for i in found
                   if f"{i.source} -> {i.target}" not in ALLOWED_UPWARD]
    assert unexplained == [], "imports pointing up the stack:\n" + "\n".join(unexplained)


def test_allow_list_has_no_stale_entries():
    live = {f"{i.source} -> {i.target}" for i in graph.upward()}
    assert sorted(set(ALLOWED_UPWARD) - live) == []


def test_no_cycle_between_packages():
    # the seams above point up on purpose (one function each, called at run time); every other
    # edge between packages must form a DAG
    found = [i for i in graph.imports() if f"{i.source} -> {i.target}" not in ALLOWED_UPWARD]
    assert graph.cycles(graph.package_edges(found)) == []


def test_seams_live_in_one_module():
    assert {key.split(" -> ")[0] for key in ALLOWED_UPWARD} == {"cuflow.trainers.seams"}


def test_graph_sees_local_and_relative_imports():
    # the analyser itself: a function-local relative import is found and resolved
    found = [i for i in graph.imports() if i.source == "cuflow.gradient_tape"]
    assert any(i.target == "cuflow.tree" for i in found)
