mkdir -p sub; cd sub; touch ../up1; echo ../up*
