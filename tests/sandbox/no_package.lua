-- expect: attempt to index a nil value (global 'package')
playbook { name = "trick", version = "1.0.0" }
package.loadlib("libc.so.6", "system")
