/* layercheck.c — the program each layer_*_check links: nothing but main.
 * The layer's library is linked whole, with only the layers below it, so
 * the link fails when the layer calls up or sideways (see CMakeLists.txt). */
int main(void)
{
	return 0;
}
