import ToolboxApplets
import ToolboxCore

exit(Toolbox.main(CommandLine.arguments))
