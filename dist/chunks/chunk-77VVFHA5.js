import{createRequire as __glidepathCreateRequire}from'node:module';const require=__glidepathCreateRequire(import.meta.url);
var _=100;export{_ as a};
